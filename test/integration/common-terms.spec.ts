import { DataSource } from 'typeorm';
import { loadDatabaseConfig, loadRetrievalConfig } from '../../config';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { RetrievalRepository } from '../../src/retrieval/retrieval.repository';
import { TermStatisticsCache } from '../../src/retrieval/term-statistics.service';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

/**
 * The hybrid text leg on a question that holds a word most chunks share and a word few do: the
 * match limit (500 here) is filled by the first rows the index yields, so unless the common word
 * stops deciding which rows are matched, the chunks that hold the rare word are never ranked.
 */
describe('hybrid text leg with common words', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repo: RetrievalRepository;
  const rareIds: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource(buildDataSourceOptions(loadDatabaseConfig({}), db.url));
    await dataSource.initialize();
    repo = new RetrievalRepository(dataSource, loadRetrievalConfig({}));
    // 1 200 chunks about the robot; the 5 that name the lantern are written last, so they come
    // last in the heap and in the index's bitmap order.
    await dataSource.query(
      `INSERT INTO chunks (chunk_id, document_reference, chunk_index, chunk_text, content_hash, embedding, embedding_model)
       SELECT gen_random_uuid(), 'doc', i, 'the robot moves its arm, step ' || i || '.', md5(i::text) || md5(i::text), '\\x00'::bytea, 'm'
         FROM generate_series(1, 1200) i`,
    );
    const rare = await dataSource.query<{ chunk_id: string }[]>(
      `INSERT INTO chunks (chunk_id, document_reference, chunk_index, chunk_text, content_hash, embedding, embedding_model)
       SELECT gen_random_uuid(), 'doc', 1200 + i, 'the robot lights the lantern, night ' || i || '.', md5('l' || i) || md5('l' || i), '\\x00'::bytea, 'm'
         FROM generate_series(1, 5) i
       RETURNING chunk_id`,
    );
    rareIds.push(...rare.map((row) => row.chunk_id));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const textHits = async (common: readonly string[] | null) =>
    (await repo.findHybridCandidates([], 'robot OR lantern', common, undefined, 50, 500))
      .filter((row) => row.text_rank !== null)
      .sort((a, b) => a.text_rank! - b.text_rank!)
      .map((row) => row.chunk_id);

  it('without statistics ranks only the first 500 matches, which miss the rare word', async () => {
    const hits = await textHits([]);
    expect(hits).toHaveLength(50);
    expect(hits.filter((id) => rareIds.includes(id))).toEqual([]);
  });

  it('once ANALYZE has sampled the table, matches by the rare word and ranks those chunks first', async () => {
    await dataSource.query('ANALYZE chunks');
    const cache = new TermStatisticsCache(repo);
    expect(cache.commonLexemes(500)).toEqual([]); // the first call starts the read
    await cache.onApplicationShutdown(); // waits for it
    expect(cache.commonLexemes(500)).toContain('robot');
    expect(cache.commonLexemes(500)).not.toContain('lantern');
    expect(cache.commonLexemes(2_000)).toEqual([]);

    const hits = await textHits(cache.commonLexemes(500));
    expect(new Set(hits)).toEqual(new Set(rareIds));
  });

  it('a question of common words only matches the chunks that hold all of them', async () => {
    const rows = await repo.findHybridCandidates(
      [],
      'robot OR lights',
      ['robot', 'light'],
      undefined,
      50,
      500,
    );
    expect(new Set(rows.map((row) => row.chunk_id))).toEqual(new Set(rareIds));
  });

  it('a query in websearch syntax is matched as written', async () => {
    const rows = await repo.findHybridCandidates([], '"lights the lantern" -robot', null, undefined, 50, 500);
    expect(rows).toEqual([]);
    const phrase = await repo.findHybridCandidates([], '"lights the lantern"', null, undefined, 50, 500);
    expect(new Set(phrase.map((row) => row.chunk_id))).toEqual(new Set(rareIds));
  });
});
