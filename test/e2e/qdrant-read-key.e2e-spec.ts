import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';
import { startTestApp, type TestApp } from '../support/app';
import { bookChunks, ingestBody, postJson } from '../support/ingest';

const WRITE_KEY = 'qdrant-write-key-0123456789';
const READ_KEY = 'qdrant-read-key-9876543210';

describe('QDRANT_READ_API_KEY: retrieval reads with the read-only key, only writers use the write key', () => {
  let double: QdrantDouble;
  let t: TestApp;

  beforeAll(async () => {
    double = await startQdrantDouble({ apiKey: WRITE_KEY, readOnlyApiKey: READ_KEY });
    t = await startTestApp({
      env: {
        QDRANT_URL: double.url,
        QDRANT_API_KEY: WRITE_KEY,
        QDRANT_READ_API_KEY: READ_KEY,
        VECTOR_SIZE: '8',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await double?.close();
  });

  it('the double enforces read-only keys as Qdrant does', async () => {
    const write = await fetch(`${double.url}/collections/book_embeddings/points?wait=true`, {
      method: 'PUT',
      headers: { 'api-key': READ_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ points: [] }),
    });
    expect(write.status).toBe(403);
  });

  it('sends every search with the read key and every write with the write key', async () => {
    const chunks = bookChunks(4, 8);
    expect((await postJson(`${t.baseUrl}/v1/ingest`, ingestBody('keys.pdf', chunks))).status).toBe(201);
    double.requests.length = 0;
    const res = await postJson(`${t.baseUrl}/v1/retrieve`, { query_vector: chunks[2].embedding, top_k: 2 });
    expect(res.status).toBe(200);
    expect(res.body.results[0].chunk_text).toBe(chunks[2].chunk_text);
    const searches = double.requests.filter((r) => r.operationId === 'query_points');
    expect(searches.length).toBeGreaterThan(0);
    expect(searches.every((r) => r.headers['api-key'] === READ_KEY)).toBe(true);

    double.requests.length = 0;
    expect(
      (await postJson(`${t.baseUrl}/v1/ingest`, ingestBody('keys-2.pdf', bookChunks(2, 8, { seed: 3 }))))
        .status,
    ).toBe(201);
    const upserts = double.requests.filter((r) => r.operationId === 'upsert_points');
    expect(upserts.length).toBeGreaterThan(0);
    expect(upserts.every((r) => r.headers['api-key'] === WRITE_KEY)).toBe(true);
  });
});
