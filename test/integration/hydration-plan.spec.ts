import { escapeLiteral, type PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig, loadRetrievalConfig } from '../../config';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { RetrievalRepository } from '../../src/retrieval/retrieval.repository';
import { selectionProbe } from '../../src/retrieval/selection-probe';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { RecordingStatements, type SentStatement } from '../support/statements';

/**
 * The retrieval statements on a freshly loaded `chunks` that no ANALYZE has seen (autovacuum had
 * not run in any measured bench): the planner has no statistics, and the plan must still look
 * the candidates up by primary key instead of scanning a whole index.
 */
describe('retrieval plans without statistics', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const ids: string[] = [];
  const sent: SentStatement[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource(buildDataSourceOptions(loadDatabaseConfig({}), db.url));
    await dataSource.initialize();
    const rows = await dataSource.query<{ chunk_id: string }[]>(
      `INSERT INTO chunks (chunk_id, document_reference, chunk_index, chunk_text, content_hash, embedding, embedding_model)
       SELECT gen_random_uuid(), 'doc-' || (i / 500), i % 500,
              'the sensor reads ' || 'topic' || (i % 97) || ' and ' || 'aspect' || (i % 89) || ' at ' || i, md5(i::text) || md5(i::text), '\\x00'::bytea, 'm'
         FROM generate_series(1, 10000) i
       RETURNING chunk_id`,
    );
    ids.push(...rows.filter((_, i) => i % 700 === 0).map((r) => r.chunk_id));
    const [{ analysed }] = await dataSource.query<{ analysed: boolean }[]>(
      `SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL AS analysed
         FROM pg_stat_user_tables WHERE relname = 'chunks'`,
    );
    expect(analysed).toBe(false);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  async function planOf(run: () => Promise<unknown>): Promise<string> {
    sent.length = 0;
    await run();
    const select = sent.filter((q) => /^\s*(SELECT|WITH)/i.test(q.sql)).at(-1)!;
    const rows = await dataSource.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${select.sql}`, select.params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  /** A parameter (text, a number, an array of strings, or null) as an SQL literal, for EXECUTE. */
  const literal = (value: unknown): string => {
    if (value == null) return 'NULL';
    if (!Array.isArray(value)) return escapeLiteral(`${value as string | number}`);
    return escapeLiteral(
      `{${(value as string[]).map((item) => `"${item.replace(/["\\]/g, '\\$&')}"`).join(',')}}`,
    );
  };

  /**
   * The plan PostgreSQL may settle on for a named prepared statement after five calls: planned once
   * for any parameters (forced here), on the same un-analysed table.
   */
  async function genericPlanOf(run: () => Promise<unknown>): Promise<string> {
    sent.length = 0;
    await run();
    const { sql, params } = sent.filter((q) => /^\s*(SELECT|WITH)/i.test(q.sql)).at(-1)!;
    const runner = dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as PoolClient;
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE generic AS ${sql}`);
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN EXECUTE generic(${params.map(literal).join(', ')})`,
      );
      await client.query('DEALLOCATE generic; RESET plan_cache_mode');
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      // A generic plan shows the parameters themselves, not the values of this call.
      expect(plan).toMatch(/\$\d+\b/);
      return plan;
    } finally {
      await runner.release();
    }
  }

  it('vector hydration looks the hits up by primary key, with or without a filter', async () => {
    const repo = new RetrievalRepository(new RecordingStatements(dataSource, sent), loadRetrievalConfig({}));
    for (const filter of [undefined, { document_reference: 'doc-3' }]) {
      const plan = await planOf(() => repo.findLiveByIds(ids, filter));
      expect(plan).toMatch(/Index Scan on chunks_pkey/);
      // The partial index on live rows is what the planner scanned whole without statistics.
      expect(plan).not.toMatch(/chunks_live_content_hash_key/);
      const generic = await genericPlanOf(() => repo.findLiveByIds(ids, filter));
      expect(generic).toMatch(/Index Scan on chunks_pkey/);
      expect(generic).not.toMatch(/chunks_live_content_hash_key/);
    }
    expect(await repo.findLiveByIds(ids, undefined)).toHaveLength(ids.length);
  });

  it('selected text takes its candidates from the full-text index alone and confirms only those', async () => {
    const repo = new RetrievalRepository(new RecordingStatements(dataSource, sent), loadRetrievalConfig({}));
    // Chunk 1000 reads "the sensor reads topic30 and aspect21 at 1000"; re-typed, as a reader's
    // selection may be, with a word cut at each end.
    const selection = 'he Sensor reads, topic30 and ASPECT21 at 1000 yz';
    const run = () => repo.findOverlapping(selection, selectionProbe(selection), undefined, 200);
    const plan = await planOf(run);
    // Inline, the liveness test matched the partial index on live rows, which the planner
    // scanned whole without statistics, normalising and confirming every live chunk.
    expect(plan).not.toMatch(/chunks_live_content_hash_key/);
    expect(plan).toMatch(/Bitmap Index Scan on chunks_search_vector_idx/);
    expect(plan).toMatch(
      /Subquery Scan on c [^\n]*\n\s+Filter: \(\(c\.deleted_at IS NULL\) AND .*lower\(c\.chunk_text\) ~/,
    );
    const generic = await genericPlanOf(run);
    expect(generic).not.toMatch(/chunks_live_content_hash_key/);
    expect(generic).toMatch(/Bitmap Index Scan on chunks_search_vector_idx/);
    const rows = await run();
    expect(rows.map((row) => row.chunk_text)).toContain('the sensor reads topic30 and aspect21 at 1000');
    expect(rows.every((row) => /topic30 and aspect21 at/.test(row.chunk_text))).toBe(true);
  });

  it('keeps search_vector in the row and the GIN pending lists short', async () => {
    const [column] = await dataSource.query<{ attstorage: string }[]>(
      `SELECT attstorage FROM pg_attribute WHERE attrelid = 'chunks'::regclass AND attname = 'search_vector'`,
    );
    expect(column.attstorage).toBe('m');
    const indexes = await dataSource.query<{ relname: string; reloptions: string[] | null }[]>(
      `SELECT relname, reloptions FROM pg_class
        WHERE relname IN ('chunks_search_vector_idx', 'chunks_fingerprints_idx') ORDER BY relname`,
    );
    expect(indexes.map((index) => index.reloptions)).toEqual([
      ['gin_pending_list_limit=256'],
      ['gin_pending_list_limit=256'],
    ]);
  });

  it('hybrid hydrates its candidates by primary key; its text leg uses the full-text index once the GIN pending list is merged', async () => {
    const repo = new RetrievalRepository(new RecordingStatements(dataSource, sent), loadRetrievalConfig({}));
    const run = () =>
      repo.findHybridCandidates({
        vectorIds: ids,
        query: 'topic13 aspect13',
        commonLexemes: null,
        filter: undefined,
        limit: 50,
        matchLimit: 1000,
        served: 10,
      });
    for (const fresh of [await planOf(run), await genericPlanOf(run)]) {
      expect(fresh).toMatch(/Index Scan on chunks_pkey/);
      expect(fresh).not.toMatch(/chunks_live_content_hash_key/);
    }
    // Freshly inserted rows wait in the GIN index's pending list, which the planner prices as a
    // scan of every pending entry: until VACUUM (autovacuum, or after a bulk load) merges it, the
    // text leg is a sequential scan, bounded by the match limit. Recorded here so a change to
    // either side shows up.
    await dataSource.query('VACUUM chunks');
    expect(await planOf(run)).toMatch(/Bitmap Index Scan on chunks_search_vector_idx/);
    expect(await genericPlanOf(run)).toMatch(/Bitmap Index Scan on chunks_search_vector_idx/);
    const rows = await run();
    expect(rows.filter((row) => row.text_rank !== null).length).toBeGreaterThan(0);
  });
});
