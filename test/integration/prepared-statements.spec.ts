import { DataSource, QueryFailedError } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { MAX_NAMED_STATEMENTS, PreparedStatements } from '../../src/database/prepared-statements';
import { createTestDatabase, throughPooler, type TestDatabase } from '../support/postgres';

const directly = throughPooler() ? describe.skip : describe;

/**
 * Retrieval's statements as named prepared statements, on one connection (pool of one) so that
 * what the server holds for it can be read back from `pg_prepared_statements`.
 */
directly('named prepared statements', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource({
      ...buildDataSourceOptions({ ...loadDatabaseConfig({}), poolMax: 1 }, db.url),
    });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const heldByServer = async () =>
    (
      await dataSource.query<{ statement: string }[]>(
        `SELECT statement FROM pg_prepared_statements WHERE name LIKE 'ragstore\\_%' ORDER BY statement`,
      )
    ).map((row) => row.statement);

  afterEach(() => dataSource.query('DEALLOCATE ALL'));

  it('parses each statement once per connection and answers as an unnamed one does', async () => {
    const statements = new PreparedStatements(dataSource, { preparedStatements: true });
    const sql = 'SELECT $1::int + n AS sum FROM generate_series(1, 3) n ORDER BY n';
    expect(await statements.query(sql, [10])).toEqual([{ sum: 11 }, { sum: 12 }, { sum: 13 }]);
    expect(await statements.query(sql, [20])).toEqual([{ sum: 21 }, { sum: 22 }, { sum: 23 }]);
    expect(await heldByServer()).toEqual([sql]);
    expect(await dataSource.query(sql, [20])).toEqual(await statements.query(sql, [20]));
  });

  it('runs every statement unnamed when DB_PREPARED_STATEMENTS is off', async () => {
    const statements = new PreparedStatements(
      dataSource,
      loadDatabaseConfig({ DB_PREPARED_STATEMENTS: 'false' }),
    );
    expect(await statements.query('SELECT $1::text AS word', ['lantern'])).toEqual([{ word: 'lantern' }]);
    expect(await heldByServer()).toEqual([]);
  });

  it('names at most MAX_NAMED_STATEMENTS texts, so a connection holds a bounded number', async () => {
    const statements = new PreparedStatements(dataSource, { preparedStatements: true });
    for (let i = 0; i < MAX_NAMED_STATEMENTS + 5; i++) {
      expect(await statements.query(`SELECT $1::int + ${i} AS n`, [1])).toEqual([{ n: 1 + i }]);
    }
    expect(await heldByServer()).toHaveLength(MAX_NAMED_STATEMENTS);
  });

  it('turns names off and answers anyway when the server has lost a statement, as behind a pooler that does not keep them', async () => {
    const statements = new PreparedStatements(dataSource, { preparedStatements: true });
    const sql = 'SELECT $1::text AS word';
    await statements.query(sql, ['before']);
    // What a transaction-mode PgBouncer before 1.21 does: the next call lands on a server
    // connection that never parsed the name, while the client believes it did.
    await dataSource.query('DEALLOCATE ALL');
    expect(await statements.query(sql, ['after'])).toEqual([{ word: 'after' }]);
    // Off from then on: a new text is not named either.
    expect(await statements.query('SELECT $1::text AS later', ['later'])).toEqual([{ later: 'later' }]);
    expect(await heldByServer()).toEqual([]);
  });

  it('reports a failed statement as TypeORM does, with its SQLSTATE', async () => {
    const statements = new PreparedStatements(dataSource, { preparedStatements: true });
    const failure = await statements.query('SELECT 1 / $1::int AS n', [0]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError).driverError).toMatchObject({ code: '22012' });
    // A statement's own error does not turn names off.
    const sql = 'SELECT $1::int AS n';
    expect(await statements.query(sql, [7])).toEqual([{ n: 7 }]);
    expect(await heldByServer()).toContain(sql);
  });
});

const behindPooler = throughPooler() ? describe : describe.skip;

/** Through .ci/run's PgBouncer (transaction mode), which keeps named statements from 1.21 on. */
behindPooler('named prepared statements through a transaction-mode pooler', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource(buildDataSourceOptions({ ...loadDatabaseConfig({}), poolMax: 4 }, db.url));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('answers every call right from many connections, whether the pooler keeps them or refuses them', async () => {
    const statements = new PreparedStatements(dataSource, { preparedStatements: true });
    const sql = 'SELECT $1::int * 2 AS doubled';
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => statements.query<{ doubled: number }>(sql, [i])),
    );
    expect(answers.map(([row]) => row.doubled)).toEqual(Array.from({ length: 200 }, (_, i) => i * 2));
  });
});
