import { EmbeddingProvider } from '../../src/embeddings/embedding-provider';
import { HashingEmbeddingProvider } from '../../src/embeddings/hashing-embedding.provider';
import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';
import { startTestApp, type TestApp } from '../support/app';
import { ingestBody, postJson, uniqueDocument } from '../support/ingest';
import { QueryCounter } from '../support/query-counter';

const DIM = 32;
const hashing = new HashingEmbeddingProvider(DIM);

const TEXTS = [
  'The lighthouse keeper climbed one hundred and twelve steps to the lantern gallery every evening.',
  'Fog horns sounded every thirty seconds whenever the visibility fell below a nautical mile.',
  'Supply boats came on Thursdays with paraffin, flour and letters from the mainland.',
];

/**
 * The round trips of one retrieval, counted rather than timed: on a network each costs its
 * round-trip time, so a retrieval must make only the unavoidable ones — at most one embedding
 * call, one vector-store search, one SQL statement on a connection the pool already holds (no
 * BEGIN/COMMIT, no ping, no binding lookup of the model guard). The cloud-latency bench
 * (`npm run bench -- --latency …`) shows what each extra one costs.
 */
describe('POST /v1/retrieve: network round trips per retrieval (Qdrant double)', () => {
  let double: QdrantDouble;
  let t: TestApp;
  let counter: QueryCounter;
  let providerCalls = 0;

  beforeAll(async () => {
    double = await startQdrantDouble();
    t = await startTestApp({ env: { VECTOR_SIZE: String(DIM), QDRANT_URL: double.url } });
    const provider = t.app.get(EmbeddingProvider);
    const embed = provider.embed.bind(provider);
    provider.embed = (texts: string[]) => {
      providerCalls++;
      return embed(texts);
    };
    const res = await postJson(
      `${t.baseUrl}/v1/ingest`,
      ingestBody(
        uniqueDocument('lighthouse'),
        TEXTS.map((text) => ({ chunk_text: text, embedding: Array.from(hashing.embedOne(text)) })),
        { embedding_model: hashing.model, wait_ms: 10_000 },
      ),
    );
    expect(res.status).toBe(201);
    counter = QueryCounter.install(t.app);
  });

  afterAll(async () => {
    counter?.uninstall();
    await t?.close();
    await double?.close();
  });

  /** One retrieval, with what it sent to PostgreSQL, Qdrant and the embedding provider. */
  async function roundTrips(body: Record<string, unknown>) {
    const qdrantBefore = double.requests.length;
    const providerBefore = providerCalls;
    const res = await postJson(`${t.baseUrl}/v1/retrieve`, { top_k: 2, ...body });
    expect(res.status).toBe(200);
    expect(res.body.results.length).toBeGreaterThan(0);
    return {
      sql: counter.statementsFor(res.body.request_id).length,
      new_connections: counter.connectionsFor(res.body.request_id),
      qdrant: double.requests.slice(qdrantBefore).map((r) => r.operationId),
      provider: providerCalls - providerBefore,
    };
  }

  it('makes only the unavoidable round trips, in every mode', async () => {
    // Warm: the pool holds a connection, the model guard has read the binding once.
    await roundTrips({ query: 'warm-up question about the lighthouse' });

    const vector = Array.from(hashing.embedOne(TEXTS[1]));
    expect(await roundTrips({ query_vector: vector })).toEqual({
      sql: 1,
      new_connections: 0,
      qdrant: ['query_points'],
      provider: 0,
    });
    expect(await roundTrips({ query: 'How many steps to the lantern gallery?' })).toEqual({
      sql: 1,
      new_connections: 0,
      qdrant: ['query_points'],
      provider: 1,
    });
    // Repeated: answered from the query-embedding cache.
    expect(await roundTrips({ query: 'How many steps to the lantern gallery?' })).toEqual({
      sql: 1,
      new_connections: 0,
      qdrant: ['query_points'],
      provider: 0,
    });
    expect(await roundTrips({ query: 'fog horns visibility', mode: 'hybrid' })).toEqual({
      sql: 1,
      new_connections: 0,
      qdrant: ['query_points'],
      provider: 1,
    });
    expect(
      await roundTrips({
        query: 'what came on the boats',
        mode: 'selected_text',
        selected_text: 'Supply boats came on Thursdays with paraffin, flour and letters',
      }),
    ).toEqual({ sql: 1, new_connections: 0, qdrant: ['query_points'], provider: 1 });
  });
});
