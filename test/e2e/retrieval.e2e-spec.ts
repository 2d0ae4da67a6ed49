import { Client } from 'pg';
import { HashingEmbeddingProvider } from '../../src/embeddings/hashing-embedding.provider';
import { VectorStore } from '../../src/vectors/vector-store';
import { startTestApp, type TestApp } from '../support/app';
import { ingestBody, postJson, uniqueDocument, unitVector, type ChunkInput } from '../support/ingest';
import { QueryCounter } from '../support/query-counter';
import { waitForLogRow } from '../support/retrieval-logs';

const DIM = 64;
const hashing = new HashingEmbeddingProvider(DIM);
const embedText = (text: string) => Array.from(hashing.embedOne(text));

const SENSOR_TEXTS = [
  'A strain gauge changes its electrical resistance when the metal foil is stretched or compressed.',
  'Thermocouples join two dissimilar metals and produce a voltage that grows with temperature.',
  'An accelerometer measures proper acceleration with a tiny proof mass suspended on springs.',
  'Photodiodes convert incoming light into current, which a transimpedance amplifier turns into voltage.',
  'Ultrasonic rangefinders time the echo of a short chirp to estimate the distance to an obstacle.',
  'Hall effect sensors detect magnetic fields and are common in brushless motor commutation.',
];

/** Prose with no phrase in common between paragraphs, for the selected-text tests. */
const SELECTION_TEXTS = [
  'The rover climbed the northern ridge at dawn while its wheels slipped on loose basalt gravel near the crater rim. ' +
    'Engineers on Earth watched the telemetry anxiously because the left rear motor drew far more current than expected.',
  'After a brief pause the controller reduced the torque and the vehicle crept forward one careful metre at a time. ' +
    'By noon the team had mapped a safe corridor through the boulders toward the ancient river delta.',
  'Lithium batteries lose capacity in extreme cold, so the heaters consume most of the winter power budget. ' +
    'Mission planners therefore schedule science observations during the warmest afternoon hours.',
  'Dust storms can blanket entire hemispheres for weeks and starve solar panels of sunlight entirely.',
];

describe('POST /v1/retrieve (embedded stack)', () => {
  let t: TestApp;
  let pg: Client;
  let counter: QueryCounter;
  const handbook = uniqueDocument('handbook');
  const appendix = uniqueDocument('appendix');
  const journal = uniqueDocument('journal');
  const ids: Record<string, string[]> = {};
  const embeddings: Record<string, number[][]> = {};

  const retrieve = (body: Record<string, unknown>) => postJson(`${t.baseUrl}/v1/retrieve`, body);

  async function ingest(doc: string, chunks: ChunkInput[]): Promise<void> {
    const res = await postJson(
      `${t.baseUrl}/v1/ingest`,
      ingestBody(doc, chunks, { embedding_model: hashing.model }),
    );
    expect(res.status).toBe(201);
    ids[doc] = res.body.chunks.map((c: { chunk_id: string }) => c.chunk_id);
    embeddings[doc] = chunks.map((c) => c.embedding);
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { VECTOR_SIZE: String(DIM), RETRIEVAL_LOG_FLUSH_MS: '20' } });
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    counter = QueryCounter.install(t.app);
    // The handbook is embedded with the hashing provider, so text queries work on it.
    await ingest(
      handbook,
      SENSOR_TEXTS.map((text, i) => ({
        chunk_text: text,
        embedding: embedText(text),
        page_reference: 40 + i,
        section_title: i < 3 ? 'Chapter 3 — Sensors' : 'Chapter 4 — Optics',
      })),
    );
    await ingest(
      appendix,
      Array.from({ length: 20 }, (_, i) => ({
        chunk_text: `Appendix entry ${i}: calibration table ${i * 7} for the reference instruments.`,
        embedding: unitVector(DIM, 500 + i),
        page_reference: 100 + i,
      })),
    );
    await ingest(
      journal,
      SELECTION_TEXTS.map((text, i) => ({
        chunk_text: text,
        embedding: unitVector(DIM, 900 + i),
        page_reference: 7 + i,
      })),
    );
  });
  afterAll(async () => {
    counter?.uninstall();
    await pg?.end();
    await t?.close();
  });

  describe('vector mode', () => {
    it('returns a chunk first, with score ≈ 1, for its own embedding; cited; timed; logged within a second', async () => {
      const res = await postJson(`${t.baseUrl}/v1/retrieve`, {
        query_vector: embeddings[appendix][3],
        top_k: 4,
      });
      expect(res.status).toBe(200);
      expect(res.body.mode).toBe('vector');
      expect(res.body.results).toHaveLength(4);
      const [first] = res.body.results;
      expect(first).toMatchObject({
        chunk_id: ids[appendix][3],
        rank: 1,
        document_reference: appendix,
        page_reference: 103,
        section_title: null,
        chunk_index: 3,
        citation: `${appendix}, p. 103`,
      });
      expect(first.score).toBeCloseTo(1, 5);
      expect(res.body.results.map((r: { rank: number }) => r.rank)).toEqual([1, 2, 3, 4]);
      const scores = res.body.results.map((r: { score: number }) => r.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(Object.keys(res.body.timings_ms).sort()).toEqual([
        'embed',
        'metadata',
        'total',
        'vector_search',
      ]);

      const log = await waitForLogRow(pg, res.body.log_id);
      expect(log).toMatchObject({
        user_query: '',
        retrieval_mode: 'vector',
        request_id: res.body.request_id,
        filters: { top_k: 4, query_source: 'query_vector' },
      });
      expect(log.retrieved_chunks).toHaveLength(4);
      expect(log.retrieved_chunks[0]).toEqual({ chunk_id: ids[appendix][3], rank: 1, score: first.score });
      expect(Object.keys(log.timings).sort()).toEqual(['embed', 'metadata', 'total', 'vector_search']);
    });

    it('sends the stage timings as Server-Timing and its own request id, not the one it was given', async () => {
      const res = await fetch(`${t.baseUrl}/v1/retrieve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'trace-42' },
        body: JSON.stringify({ query_vector: embeddings[appendix][0] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('server-timing')).toMatch(
        /^embed;dur=[\d.]+, vector_search;dur=[\d.]+, metadata;dur=[\d.]+, total;dur=[\d.]+$/,
      );
      const requestId = (await res.json()).request_id;
      expect(requestId).toBe(res.headers.get('x-request-id'));
      expect(requestId).not.toBe('trace-42');
    });

    it('embeds a text query with the hashing provider and finds the chunk that says it', async () => {
      const res = await retrieve({
        query: 'Which sensor measures proper acceleration with a proof mass?',
        top_k: 3,
      });
      expect(res.status).toBe(200);
      expect(res.body.results[0]).toMatchObject({
        chunk_id: ids[handbook][2],
        citation: 'Chapter 3 — Sensors, p. 42',
      });
    });

    it('honours top_k, score_threshold and every filter, on both the vector and the SQL side', async () => {
      const vector = embeddings[handbook][1];
      expect((await retrieve({ query_vector: vector, top_k: 50 })).body.results).toHaveLength(30);

      const strict = await retrieve({ query_vector: vector, top_k: 50, score_threshold: 0.99 });
      expect(strict.body.results.map((r: { chunk_id: string }) => r.chunk_id)).toEqual([ids[handbook][1]]);

      const cases: [Record<string, unknown>, (r: any) => boolean, number][] = [
        [{ document_reference: journal }, (r) => r.document_reference === journal, 4],
        [{ document_reference: [journal, handbook] }, (r) => r.document_reference !== appendix, 10],
        [{ section_title: 'Chapter 4 — Optics' }, (r) => r.section_title === 'Chapter 4 — Optics', 3],
        [{ page_from: 41, page_to: 43 }, (r) => r.page_reference >= 41 && r.page_reference <= 43, 3],
        [{ page_from: 118 }, (r) => r.page_reference >= 118, 2],
        [{ processing_version: 'v2' }, () => false, 0],
      ];
      for (const [filter, allowed, expected] of cases) {
        for (const mode of ['vector', 'hybrid'] as const) {
          const res = await retrieve({ query: 'sensors metal voltage rover entry', mode, top_k: 50, filter });
          expect({ filter, mode, status: res.status }).toEqual({ filter, mode, status: 200 });
          expect({ filter, mode, n: res.body.results.length }).toEqual({ filter, mode, n: expected });
          expect(res.body.results.every(allowed)).toBe(true);
        }
      }
    });
  });

  describe('hybrid mode', () => {
    it('finds a chunk by a rare exact term that the vector ranking misses, and says which lists it came from', async () => {
      const doc = uniqueDocument('glossary');
      const query = 'xylophonist';
      // Its vector is the opposite of the query's: the vector ranking puts it last.
      const opposite = embedText(query).map((v) => -v);
      await ingest(doc, [
        { chunk_text: 'The xylophonist tuned each bar of the instrument by ear.', embedding: opposite },
      ]);
      const target = ids[doc][0];

      const vector = await retrieve({ query, top_k: 5 });
      expect(vector.body.results.map((r: { chunk_id: string }) => r.chunk_id)).not.toContain(target);

      const hybrid = await retrieve({ query, mode: 'hybrid', top_k: 5, score_threshold: 0 });
      expect(hybrid.status).toBe(200);
      const hit = hybrid.body.results.find((r: { chunk_id: string }) => r.chunk_id === target);
      expect(hit).toMatchObject({ sources: ['text'], text_rank: 1, vector_rank: null, vector_score: null });
      expect(hit.text_score).toBeGreaterThan(0);
      expect(hit.score).toBeCloseTo(1 / 61, 10);
      const vectorOnly = hybrid.body.results.find((r: { sources: string[] }) => r.sources.includes('vector'));
      expect(vectorOnly).toMatchObject({ vector_rank: expect.any(Number), text_rank: null });

      const log = await waitForLogRow(pg, hybrid.body.log_id);
      expect(log.retrieval_mode).toBe('hybrid');
      expect(log.user_query).toBe(query);
      expect(log.retrieved_chunks).toContainEqual({
        chunk_id: target,
        rank: hit.rank,
        score: hit.score,
        vector_rank: null,
        vector_score: null,
        text_rank: 1,
        text_score: hit.text_score,
      });
    });
    it('matches a whole question by text (OR over its words), ranking the chunk that holds more of them first', async () => {
      const doc = uniqueDocument('lighthouse');
      const question = 'How many steps were there up to the lantern gallery of the quelmoor lighthouse?';
      const away = embedText(question).map((v) => -v);
      await ingest(doc, [
        { chunk_text: 'Quelmoor has a lighthouse on its northern cape.', embedding: away },
        {
          chunk_text: 'The keeper climbed the 137 steps to the lantern gallery of the Quelmoor lighthouse.',
          embedding: away,
        },
      ]);
      const [partial, answer] = ids[doc];
      const res = await retrieve({ query: question, mode: 'hybrid', top_k: 10, score_threshold: 0 });
      expect(res.status).toBe(200);
      const textHits = res.body.results
        .filter((r: { sources: string[] }) => r.sources.includes('text'))
        .sort((a: { text_rank: number }, b: { text_rank: number }) => a.text_rank - b.text_rank)
        .map((r: { chunk_id: string }) => r.chunk_id);
      expect(textHits.slice(0, 2)).toEqual([answer, partial]);

      // Quotes keep websearch semantics: the phrase must appear as written.
      const phrase = await retrieve({
        query: '"quelmoor cape"',
        mode: 'hybrid',
        top_k: 10,
        score_threshold: 0,
      });
      expect(phrase.body.results.filter((r: { sources: string[] }) => r.sources.includes('text'))).toEqual(
        [],
      );
    });
  });

  describe('selected_text mode', () => {
    const s = (i: number) => ids[journal][i];

    it('never returns a chunk outside the selection, even a far better vector match', async () => {
      // The end of paragraph 0 and the start of paragraph 1; the query vector is paragraph 2's own.
      const selection =
        'watched the telemetry anxiously because the left rear motor drew far more current than expected. ' +
        'After a brief pause the controller reduced the torque';
      const res = await retrieve({
        mode: 'selected_text',
        selected_text: selection,
        query_vector: embeddings[journal][2],
        top_k: 10,
      });
      expect(res.status).toBe(200);
      expect(res.body.scope).toEqual({
        selected_text_chars: selection.length,
        matched_chunk_ids: [s(0), s(1)],
        out_of_scope_results: 0,
      });
      const returned = res.body.results.map((r: { chunk_id: string }) => r.chunk_id);
      expect(returned.sort()).toEqual([s(0), s(1)].sort());
      expect(res.body.results.every((r: { overlap: string }) => r.overlap === 'partial')).toBe(true);
    });

    it('matches a selection inside one chunk despite case, punctuation and line breaks', async () => {
      const res = await retrieve({
        mode: 'selected_text',
        selected_text: 'so the HEATERS consume\nmost of the winter power-budget',
        query: 'rover climbed the ridge',
        filter: { document_reference: journal },
      });
      expect(res.status).toBe(200);
      expect(res.body.scope.matched_chunk_ids).toEqual([s(2)]);
      expect(res.body.results).toHaveLength(1);
      expect(res.body.results[0]).toMatchObject({ chunk_id: s(2), overlap: 'contains_selection', rank: 1 });
    });

    it('only searches the given document', async () => {
      const res = await retrieve({
        mode: 'selected_text',
        selected_text: 'Dust storms can blanket entire hemispheres for weeks',
        query_vector: embeddings[journal][3],
        filter: { document_reference: handbook },
      });
      expect(res.body.scope.matched_chunk_ids).toEqual([]);
      expect(res.body.results).toEqual([
        expect.objectContaining({
          chunk_id: null,
          source: 'selection',
          document_reference: handbook,
          rank: 1,
        }),
      ]);
    });

    it('returns the selection itself when no chunk overlaps it', async () => {
      const selection = 'Completely unrelated words about baking sourdough bread in a wood oven.';
      const res = await retrieve({ mode: 'selected_text', selected_text: selection, query: 'bread' });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([
        {
          chunk_id: null,
          score: null,
          rank: 1,
          chunk_text: selection,
          document_reference: null,
          page_reference: null,
          section_title: null,
          chunk_index: null,
          metadata: {},
          citation: 'Selected text',
          source: 'selection',
        },
      ]);
      expect(res.body.scope).toEqual({
        selected_text_chars: selection.length,
        matched_chunk_ids: [],
        out_of_scope_results: 0,
      });
      const log = await waitForLogRow(pg, res.body.log_id);
      expect(log.retrieved_chunks).toEqual([{ chunk_id: null, rank: 1, score: null, source: 'selection' }]);
      expect(log.filters).toMatchObject({ selected_text: selection, matched_chunk_ids: [] });
    });
  });

  describe('Postgres decides', () => {
    it('issues exactly one PostgreSQL statement on the hot path, in every mode', async () => {
      const requests = [
        { query_vector: embeddings[appendix][5] },
        { query: 'strain gauge resistance', mode: 'hybrid' },
        {
          query: 'current',
          mode: 'selected_text',
          selected_text: 'the left rear motor drew far more current',
        },
      ];
      for (const body of requests) {
        const res = await retrieve(body);
        expect(res.status).toBe(200);
        expect(res.body.results.length).toBeGreaterThan(0);
        const statements = counter.statementsFor(res.body.request_id);
        expect({ mode: res.body.mode, statements: statements.length }).toEqual({
          mode: res.body.mode,
          statements: 1,
        });
        expect(statements[0]).toMatch(/FROM chunks\b/);
      }
    });

    it('never serves soft-deleted chunks', async () => {
      const doc = uniqueDocument('retired');
      await ingest(doc, [
        { chunk_text: 'A retired paragraph about vacuum tubes.', embedding: unitVector(DIM, 7_001) },
        { chunk_text: 'Another retired paragraph about relays.', embedding: unitVector(DIM, 7_002) },
      ]);
      const before = await retrieve({ query_vector: embeddings[doc][0], top_k: 1 });
      expect(before.body.results[0].chunk_id).toBe(ids[doc][0]);

      const deletion = await fetch(
        `${t.baseUrl}/v1/documents/chunks?document_reference=${encodeURIComponent(doc)}`,
        { method: 'DELETE' },
      );
      expect(deletion.status).toBe(200);
      for (const mode of ['vector', 'hybrid'] as const) {
        const after = await retrieve({ query: 'retired paragraph vacuum tubes relays', mode, top_k: 50 });
        const docs = after.body.results.map((r: { document_reference: string }) => r.document_reference);
        expect(docs).not.toContain(doc);
      }
    });

    it('drops a hit Postgres has deleted behind the vector store’s back, logs why, and repairs the store', async () => {
      const doc = uniqueDocument('drifted');
      await ingest(doc, [{ chunk_text: 'A paragraph that drifts.', embedding: unitVector(DIM, 8_001) }]);
      const [id] = ids[doc];
      // Drift: the row is soft-deleted without an outbox row, so the vector store still has it.
      await pg.query(`UPDATE chunks SET deleted_at = now() WHERE chunk_id = $1`, [id]);

      const res = await retrieve({ query_vector: embeddings[doc][0], top_k: 3 });
      expect(res.status).toBe(200);
      expect(res.body.results).toHaveLength(3);
      expect(res.body.results.map((r: { chunk_id: string }) => r.chunk_id)).not.toContain(id);

      const log = await waitForLogRow(pg, res.body.log_id);
      expect(log.retrieved_chunks).toContainEqual({
        chunk_id: id,
        rank: null,
        score: expect.closeTo(1, 5),
        dropped: 'not_live',
      });
      const store = t.app.get(VectorStore);
      const deadline = Date.now() + 5_000;
      while ((await store.retrieve([id])).length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await store.retrieve([id])).toEqual([]);
    });
  });

  describe('validation', () => {
    // The field rules are unit-tested (src/retrieval/retrieve-request.rules.spec.ts); here, that the
    // route answers them as 400s naming the field, including the rule only the embedder can check.
    const cases: [string, Record<string, unknown>, string, RegExp | null][] = [
      ['a vector of the wrong size', { query_vector: [0.1, 0.2, 0.3] }, 'query_vector', /3 values.*size 64/],
      ['a query with no words', { query: '?!…' }, 'query', /no words/],
      ['an unknown filter field', { query: 'sensors', filter: { chapter: 3 } }, 'filter.chapter', null],
    ];
    it.each(cases)('rejects %s with 400 naming the field', async (_, body, field, message) => {
      const res = await retrieve(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      if (message) expect(res.body.message).toMatch(message);
    });
  });
});
