import { DataSource, QueryFailedError } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { classifyPostgresError } from '../../src/database/postgres-errors';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import {
  CANCEL_GRACE_MS,
  StatementTimeoutError,
  withStatementTimeout,
} from '../../src/database/statement-timeout';
import { createTestDatabase, withAdminClient, type TestDatabase } from '../support/postgres';
import { TcpProxy } from '../support/tcp-proxy';

/** Statements of this database still running on the server (seen directly, past any pooler). */
async function running(db: TestDatabase, sql: string): Promise<number> {
  const { rows } = await withAdminClient((c) =>
    c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query = $2 AND state = 'active'`,
      [db.name, sql],
    ),
  );
  return rows[0].n;
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('the statement was not stopped');
    },
    (error: unknown) => error,
  );
}

describe('statement timeouts kept by the client (hold through a transaction-mode pooler)', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];

  async function dataSource(statementTimeoutMs: number, url = db.url): Promise<DataSource> {
    const config = loadDatabaseConfig({ DB_STATEMENT_TIMEOUT_MS: String(statementTimeoutMs) });
    const source = new DataSource(buildDataSourceOptions(config, url));
    sources.push(source);
    return source.initialize();
  }

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const source of sources) await source.destroy().catch(() => undefined);
    await db?.drop();
  });

  it('a statement past DB_STATEMENT_TIMEOUT_MS is cancelled on the server (57014), and the pool goes on serving', async () => {
    const source = await dataSource(300);
    const sql = 'SELECT pg_sleep(30) AS default_budget';
    const error = await failure(source.query(sql));
    expect(error).toBeInstanceOf(QueryFailedError);
    const driverError = (error as QueryFailedError).driverError as StatementTimeoutError;
    expect(driverError).toBeInstanceOf(StatementTimeoutError);
    expect(driverError.budgetMs).toBe(300);
    // PostgreSQL itself stopped it (not a connection dropped after an unanswered cancel).
    expect((driverError.cause as { code?: string }).code).toBe('57014');
    expect(classifyPostgresError(error)).toBe('timeout');
    expect(await running(db, sql)).toBe(0);
    expect(await source.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('withStatementTimeout bounds the statements inside it; those outside keep the default', async () => {
    const source = await dataSource(60_000);
    const sql = 'SELECT pg_sleep(30) AS scoped_budget';
    const error = await failure(withStatementTimeout(200, () => source.query(sql)));
    expect(((error as QueryFailedError).driverError as StatementTimeoutError).budgetMs).toBe(200);
    expect(await running(db, sql)).toBe(0);
    // Longer than the scoped budget, well inside the default.
    expect(await source.query('SELECT pg_sleep(0.4)::text AS slept')).toEqual([{ slept: '' }]);
  });

  it('sends no statement_timeout startup parameter (a transaction-mode PgBouncer refuses it)', async () => {
    const source = await dataSource(15_000);
    expect(await source.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '0' }]);
  });

  it('a cancel slower than CANCEL_GRACE_MS: the caller gets its timeout at the grace, and the connection is kept until the cancel lands', async () => {
    const direct = new URL(db.url);
    const proxy = await TcpProxy.start(direct.hostname, Number(direct.port));
    try {
      const via = new URL(db.url);
      via.port = String(proxy.port);
      const source = await dataSource(300, via.toString());
      await source.query('SELECT 1'); // the pool's connection is open before the proxy slows down
      // The cancel's own connection waits, as behind a PgBouncer whose pool is busy.
      proxy.delayNewConnections(CANCEL_GRACE_MS + 2_000);
      const sql = 'SELECT pg_sleep(30) AS slow_cancel';
      const error = await failure(source.query(sql));
      expect((error as QueryFailedError).driverError).toBeInstanceOf(StatementTimeoutError);
      // Answered before the cancel reached the server: the statement still runs.
      expect(await running(db, sql)).toBe(1);
      proxy.delayNewConnections(0);
      // Then the cancel lands and stops it, long before pg_sleep(30) ends. Dropping the connection
      // at the grace instead would have left it running out its 30 s.
      const deadline = Date.now() + 10_000;
      while ((await running(db, sql)) > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(await running(db, sql)).toBe(0);
      expect(await source.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    } finally {
      await proxy.close();
    }
  });
});
