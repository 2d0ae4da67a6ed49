import { EmbeddingProvider } from '../../src/embeddings/embedding-provider';
import { HashingEmbeddingProvider } from '../../src/embeddings/hashing-embedding.provider';
import { startTestApp, type TestApp } from '../support/app';
import { ingestBody, postJson, uniqueDocument } from '../support/ingest';

const DIM = 32;
const hashing = new HashingEmbeddingProvider(DIM);

const TEXTS = [
  'The lighthouse keeper climbed one hundred and twelve steps to the lantern gallery every evening.',
  'Fog horns sounded every thirty seconds whenever the visibility fell below a nautical mile.',
];

/** The series `name{result="…"}` of a Prometheus exposition, 0 when absent. */
function counterValue(exposition: string, name: string, result: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name}{result="${result}"}`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('text queries: the query-embedding cache', () => {
  let t: TestApp;
  let providerCalls: string[][];

  beforeAll(async () => {
    t = await startTestApp({ env: { VECTOR_SIZE: String(DIM), RETRIEVAL_QUERY_CACHE_SIZE: '100' } });
    // Counts the calls that reach the configured provider (our own port, the network edge).
    const provider = t.app.get(EmbeddingProvider);
    const embed = provider.embed.bind(provider);
    providerCalls = [];
    provider.embed = (texts: string[]) => {
      providerCalls.push(texts);
      return embed(texts);
    };
    const res = await postJson(
      `${t.baseUrl}/v1/ingest`,
      ingestBody(
        uniqueDocument('lighthouse'),
        TEXTS.map((text) => ({ chunk_text: text, embedding: Array.from(hashing.embedOne(text)) })),
        { embedding_model: hashing.model },
      ),
    );
    expect(res.status).toBe(201);
  });

  afterAll(() => t?.close());

  it('answers a repeated question without calling the provider again, and counts hits and misses', async () => {
    const metrics = async () => (await fetch(`${t.baseUrl}/metrics`)).text();
    const before = await metrics();
    const ask = (query: string) => postJson(`${t.baseUrl}/v1/retrieve`, { query, top_k: 1 });

    const first = await ask('How many steps to the lantern gallery?');
    // Same question, other spacing: the same normalised text, so the same cache entry.
    const again = await ask('  How many   steps to the lantern gallery?\n');
    const other = await ask('When did the fog horn sound?');

    expect([first.status, again.status, other.status]).toEqual([200, 200, 200]);
    expect(again.body.results).toEqual(first.body.results);
    expect(first.body.results[0].chunk_text).toBe(TEXTS[0]);
    expect(providerCalls).toEqual([
      ['How many steps to the lantern gallery?'],
      ['When did the fog horn sound?'],
    ]);

    const after = await metrics();
    const delta = (result: string) =>
      counterValue(after, 'ragstore_retrieval_query_cache_total', result) -
      counterValue(before, 'ragstore_retrieval_query_cache_total', result);
    expect({ hits: delta('hit'), misses: delta('miss') }).toEqual({ hits: 1, misses: 2 });
  });
});

describe('text queries: the collection model guard', () => {
  let t: TestApp;
  const vector = Array.from(hashing.embedOne(TEXTS[0]));

  beforeAll(async () => {
    t = await startTestApp({ env: { VECTOR_SIZE: String(DIM) } });
  });

  afterAll(() => t?.close());

  it('refuses a text query with 409 naming both models once the collection holds another model', async () => {
    // Not bound yet: nothing to compare, the (empty) collection answers.
    const empty = await postJson(`${t.baseUrl}/v1/retrieve`, { query: 'lantern gallery' });
    expect(empty.status).toBe(200);

    const ingest = await postJson(
      `${t.baseUrl}/v1/ingest`,
      ingestBody(uniqueDocument('other'), [{ chunk_text: TEXTS[0], embedding: vector }], {
        embedding_model: 'text-embedding-3-small',
      }),
    );
    expect(ingest.status).toBe(201);

    for (const mode of ['vector', 'hybrid'] as const) {
      const res = await postJson(`${t.baseUrl}/v1/retrieve`, { query: 'lantern gallery', mode });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({
        code: 'EMBEDDING_MODEL_MISMATCH',
        details: { collection_model: 'text-embedding-3-small', query_model: hashing.model },
      });
      expect(res.body.message).toContain('text-embedding-3-small');
      expect(res.body.message).toContain(hashing.model);
    }
    // The caller's own vector carries its model: still answered.
    const own = await postJson(`${t.baseUrl}/v1/retrieve`, { query_vector: vector, top_k: 1 });
    expect(own.status).toBe(200);
    expect(own.body.results[0].chunk_text).toBe(TEXTS[0]);
  });
});
