import { DataSource } from 'typeorm';
import { loadDatabaseConfig, loadRetrievalConfig } from '../../config';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { RetrievalRepository } from '../../src/retrieval/retrieval.repository';
import { TermStatisticsCache } from '../../src/retrieval/term-statistics.service';
import { reciprocalRankFusion } from '../../src/retrieval/rank-fusion';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { RecordingStatements } from '../support/statements';

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
    repo = new RetrievalRepository(new RecordingStatements(dataSource), loadRetrievalConfig({}));
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

  const search = (query: string, commonLexemes: readonly string[] | null) =>
    repo.findHybridCandidates({
      vectorIds: [],
      query,
      commonLexemes,
      filter: undefined,
      limit: 50,
      matchLimit: 500,
      served: 10,
    });
  const textHits = async (common: readonly string[] | null) =>
    (await search('robot OR lantern', common))
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
    // Selected text asks by word, as the reader's selection spells it.
    expect(['robots', 'lanterns'].map(cache.commonWords(500))).toEqual([true, false]);

    const hits = await textHits(cache.commonLexemes(500));
    expect(new Set(hits)).toEqual(new Set(rareIds));
  });

  it('a question of common words only matches the chunks that hold all of them', async () => {
    const rows = await search('robot OR lights', ['robot', 'light']);
    expect(new Set(rows.map((row) => row.chunk_id))).toEqual(new Set(rareIds));
  });

  it('a query in websearch syntax is matched as written', async () => {
    const rows = await search('"lights the lantern" -robot', null);
    expect(rows).toEqual([]);
    const phrase = await search('"lights the lantern"', null);
    expect(new Set(phrase.map((row) => row.chunk_id))).toEqual(new Set(rareIds));
  });

  it('sends the columns of the rows fusion can serve, and only ids for the rest', async () => {
    const all = await dataSource.query<{ chunk_id: string }[]>(
      `SELECT chunk_id FROM chunks ORDER BY chunk_index DESC LIMIT 40`,
    );
    // The vector list: 30 chunks, a rare one among them at position 20 (so in both lists).
    const vectorIds = all
      .slice(0, 30)
      .map((row) => row.chunk_id)
      .reverse();
    const rows = await repo.findHybridCandidates({
      vectorIds,
      query: 'robot OR lantern',
      commonLexemes: ['robot'],
      filter: undefined,
      limit: 30,
      matchLimit: 500,
      served: 5,
    });
    const vectorRank = (id: string) => vectorIds.indexOf(id) + 1;
    for (const row of rows) {
      const servable =
        (row.text_rank !== null && row.text_rank <= 5) ||
        (vectorRank(row.chunk_id) > 0 && vectorRank(row.chunk_id) <= 5) ||
        (row.text_rank !== null && vectorRank(row.chunk_id) > 0);
      expect([row.chunk_id, row.chunk_text !== null]).toEqual([row.chunk_id, servable]);
    }
    expect(rows.filter((row) => row.chunk_text === null).length).toBeGreaterThan(15);
    const textIds = rows
      .filter((row) => row.text_rank !== null)
      .sort((a, b) => a.text_rank! - b.text_rank!)
      .map((row) => row.chunk_id);
    for (const weights of [
      [1, 1],
      [3, 0.2],
      [0, 1],
    ]) {
      const fused = reciprocalRankFusion(
        [
          { list: 'vector', ids: vectorIds, weight: weights[0] },
          { list: 'text', ids: textIds, weight: weights[1] },
        ],
        60,
      ).slice(0, 5);
      const byId = new Map(rows.map((row) => [row.chunk_id, row]));
      expect(fused.map(({ id }) => byId.get(id)?.chunk_text ?? null)).not.toContain(null);
    }
  });
});
