import { randomUUID } from 'node:crypto';
import { DataSource, type Logger } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { AuditLogsRepository } from '../../src/audit-logs/audit-logs.repository';
import { ChatHistoryRepository } from '../../src/chat-history/chat-history.repository';
import { ChunksRepository } from '../../src/chunks/chunks.repository';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

const INDEX_NODE = /Index Scan|Index Only Scan|Bitmap Index Scan/;

/**
 * The hot list queries must be served by an index on a table of a few thousand rows. The SQL is
 * the repositories' own (recorded as sent), so a query change that loses the index fails here.
 */
describe('hot queries use an index', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const userId = randomUUID();
  const sent: { sql: string; params: unknown[] }[] = [];
  const recorder: Logger = {
    logQuery: (sql, params) => void sent.push({ sql, params: (params ?? []) as unknown[] }),
    logQueryError: () => {},
    logQuerySlow: () => {},
    logSchemaBuild: () => {},
    logMigration: () => {},
    log: () => {},
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource({
      ...buildDataSourceOptions(loadDatabaseConfig({}), db.url),
      logging: ['query'],
      logger: recorder,
    });
    await dataSource.initialize();
    await dataSource.query(
      `INSERT INTO users (user_id, email)
      SELECT CASE WHEN i = 0 THEN $1::uuid ELSE gen_random_uuid() END, 'u' || i || '@example.com'
      FROM generate_series(0, 499) i`,
      [userId],
    );
    await dataSource.query(`INSERT INTO chat_history (user_id, query, response)
      SELECT user_id, 'q', 'r' FROM users, generate_series(1, 8)`);
    await dataSource.query(`INSERT INTO chunks (chunk_id, document_reference, chunk_index, chunk_text, content_hash, embedding, embedding_model)
      SELECT gen_random_uuid(), 'doc-' || (i % 40), i, 'text ' || i, md5(i::text) || md5(i::text), '\\x00'::bytea, 'm'
      FROM generate_series(1, 4000) i`);
    await dataSource.query(`INSERT INTO audit_logs (operation_type, resource_type, resource_id)
      SELECT 'update', 'chunk', 'res-' || (i % 500) FROM generate_series(1, 4000) i`);
    await dataSource.query(`ANALYZE`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** Runs `run`, then EXPLAINs the last SELECT it sent (recorded through TypeORM's logger). */
  async function planOf(run: () => Promise<unknown>): Promise<string> {
    sent.length = 0;
    await run();
    const select = sent.filter((q) => /^\s*SELECT/i.test(q.sql)).at(-1)!;
    const rows = await dataSource.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${select.sql}`, select.params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  it('chat history by user', async () => {
    const repo = new ChatHistoryRepository(dataSource);
    expect(await planOf(() => repo.listByUser(userId, undefined, { limit: 50 }))).toMatch(INDEX_NODE);
  });

  it('chunks by document, in chunk_index order', async () => {
    const repo = new ChunksRepository(dataSource);
    expect(
      await planOf(() => repo.listByDocument('doc-7', { includeDeleted: false }, { limit: 50 })),
    ).toMatch(INDEX_NODE);
  });

  it('audit rows by resource', async () => {
    const repo = new AuditLogsRepository(dataSource);
    expect(
      await planOf(() =>
        repo.listNewestFirst({ resource_type: 'chunk', resource_id: 'res-42' }, { limit: 50 }),
      ),
    ).toMatch(INDEX_NODE);
  });
});
