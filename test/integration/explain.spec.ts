import { createHash, randomUUID } from 'node:crypto';
import { DataSource, type Logger } from 'typeorm';
import { loadDatabaseConfig, loadRetrievalConfig } from '../../config';
import { AuditLogsRepository } from '../../src/audit-logs/audit-logs.repository';
import { ChatHistoryRepository } from '../../src/chat-history/chat-history.repository';
import { ChunksRepository } from '../../src/chunks/chunks.repository';
import { DocumentChunksRepository } from '../../src/chunks/document-chunks.repository';
import { DocumentSummariesRepository } from '../../src/chunks/document-summaries.repository';
import { StoredEmbeddingsRepository } from '../../src/chunks/stored-embeddings.repository';
import { RetrievalRepository } from '../../src/retrieval/retrieval.repository';
import { selectionProbe } from '../../src/retrieval/selection-probe';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { RecordingStatements } from '../support/statements';

const INDEX_NODE = /Index Scan|Index Only Scan|Bitmap Index Scan/;
// Prose-like text (seeded pseudo-random words), so the fingerprints and full-text indexes hold
// realistic, varied entries.
const vocabulary = Array.from({ length: 5_000 }, (_, i) => `term${i.toString(36)}`);
const text = (i: number) => {
  let state = i * 2654435761 + 1;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  return (
    Array.from({ length: 80 }, () => vocabulary[next() % vocabulary.length]).join(' ') + ` paragraph${i}`
  );
};
const md5Twice = (text: string) => createHash('md5').update(text).digest('hex').repeat(2);

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
    await dataSource.transaction((manager) =>
      new DocumentChunksRepository().insertMany(
        manager,
        Array.from({ length: 2000 }, (_, i) => ({
          chunk_id: randomUUID(),
          document_reference: 'prose',
          chunk_index: i,
          chunk_text: text(i),
          content_hash: md5Twice(text(i)),
          embedding: [1, 0],
          embedding_model: 'm',
        })),
      ),
    );
    await dataSource.query(`INSERT INTO audit_logs (operation_type, resource_type, resource_id)
      SELECT 'update', 'chunk', 'res-' || (i % 500) FROM generate_series(1, 4000) i`);
    // As autovacuum leaves it: VACUUM also merges the GIN pending lists, which the planner
    // otherwise prices as a scan of every pending entry.
    await dataSource.query(`VACUUM ANALYZE`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** Runs `run`, then EXPLAINs the last SELECT it sent (recorded through TypeORM's logger). */
  async function planOf(run: () => Promise<unknown>): Promise<string> {
    sent.length = 0;
    await run();
    const select = sent.filter((q) => /^\s*(SELECT|WITH)/i.test(q.sql)).at(-1)!;
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

  it('selected text: candidates by the fingerprints index, and by the full-text index for a short phrase', async () => {
    const repo = new RetrievalRepository(new RecordingStatements(dataSource, sent), loadRetrievalConfig({}));
    const longSelection = text(17).split(' ').slice(10, 40).join(' ');
    expect(
      await planOf(() => repo.findOverlapping(longSelection, selectionProbe(longSelection), undefined, 200)),
    ).toMatch(/chunks_fingerprints_idx/);
    expect(
      await planOf(() =>
        repo.findOverlapping('the paragraph17 text', selectionProbe('x paragraph17 y'), undefined, 200),
      ),
    ).toMatch(/chunks_search_vector_idx/);
  });

  it('selected text: a long selection looks its edge phrases up next to its fingerprint matches, not in the whole table', async () => {
    const repo = new RetrievalRepository(new RecordingStatements(dataSource, sent), loadRetrievalConfig({}));
    // The last ten words of prose chunk 16, then 30 words of chunk 17: chunk 16 shares fewer words
    // than a shared fingerprint is certain for; the selection's opening phrase finds it.
    const selection = [...text(16).split(' ').slice(-10), ...text(17).split(' ').slice(0, 30)].join(' ');
    sent.length = 0;
    const rows = await repo.findOverlapping(selection, selectionProbe(selection), undefined, 200);
    expect(rows.map((row) => [row.document_reference, row.chunk_index])).toEqual([
      ['prose', 16],
      ['prose', 17],
    ]);
    const select = sent.filter((q) => /^\s*WITH/i.test(q.sql)).at(-1)!;
    const analysed = await dataSource.query<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${select.sql}`,
      select.params,
    );
    const plan = analysed.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Bitmap Index Scan on chunks_fingerprints_idx \(actual rows=[1-9]/);
    expect(plan).toMatch(/Index Scan using chunks_document_reference_chunk_index_idx/);
    // The rows themselves by primary key: never a scan of the table joined to the few ids.
    expect(plan).toMatch(/Index Scan using chunks_pkey on chunks|Bitmap Index Scan on chunks_pkey/);
    expect(plan).not.toMatch(/Seq Scan on chunks/);
    // The whole-table phrase lookup is planned (for a selection no fingerprint finds) but not run.
    expect(plan).toMatch(/Bitmap Index Scan on chunks_search_vector_idx \(never executed\)/);
  });

  it('stored embeddings by (model, content hash), in any document', async () => {
    const repo = new StoredEmbeddingsRepository(dataSource);
    const hashes = [text(3), text(900)].map(md5Twice);
    let found: Map<string, Buffer> | undefined;
    const plan = await planOf(
      async () => (found = await repo.findByContentHash('another-document', 'm', hashes)),
    );
    expect(found?.size).toBe(2);
    expect(plan).toMatch(/chunks_embedding_model_content_hash_idx/);
  });

  it('documents: live chunks grouped by reference, read in reference order from an index (no sort of the table)', async () => {
    const repo = new DocumentSummariesRepository(dataSource);
    const first = await repo.list({ limit: 5 });
    expect(first.items.map((d) => d.document_reference)).toEqual([
      'doc-0',
      'doc-1',
      'doc-10',
      'doc-11',
      'doc-12',
    ]);
    for (const page of [{ limit: 5 }, { limit: 5, cursor: first.next_cursor! }]) {
      const plan = await planOf(() => repo.list(page));
      expect(plan).toMatch(/GroupAggregate/);
      expect(plan).toMatch(
        /Index (Only )?Scan using chunks_(live_content_hash_key|document_reference_chunk_index_idx)/,
      );
      expect(plan).not.toMatch(/Seq Scan|Sort/);
    }
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
