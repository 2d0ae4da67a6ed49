import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ConfigValidationError, loadQdrantConfig } from '../../config';
import { QdrantVectorStore, type QdrantStoreConfig } from '../../src/vectors/qdrant/qdrant-vector-store';
import { VectorStoreError } from '../../src/vectors/vector-store.errors';
import { payloadFor } from '../contract/vector-store.contract';
import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';

// Operation logs are debug lines from Nest's default logger; these tests assert on results.
Logger.overrideLogger(false);

function storeOn(url: string, overrides: Partial<QdrantStoreConfig> = {}): QdrantVectorStore {
  return new QdrantVectorStore({
    ...loadQdrantConfig({}),
    url,
    collection: `c_${randomUUID().slice(0, 8)}`,
    vectorSize: 4,
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<VectorStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VectorStoreError);
  return error as VectorStoreError;
}

const aPoint = () => {
  const id = randomUUID();
  return { id, vector: [1, 2, 3, 4], payload: payloadFor(id) };
};

describe('Qdrant test double', () => {
  let double: QdrantDouble;
  beforeAll(async () => {
    double = await startQdrantDouble({ apiKey: 'secret-key' });
  });
  afterAll(() => double.close());
  afterEach(() => double.clearFaults());

  const raw = (method: string, path: string, body?: unknown, key = 'secret-key') =>
    fetch(`${double.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'api-key': key },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('rejects a body the OpenAPI spec rejects, in Qdrant error envelope, before touching state', async () => {
    await raw('PUT', '/collections/shape', { vectors: { size: 4, distance: 'Cosine' } });
    const wrongType = await raw('POST', '/collections/shape/points/query', {
      query: [1, 0, 0, 0],
      limit: 'ten',
    });
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toEqual({
      status: { error: expect.stringMatching(/^Format error in JSON body: limit/) },
      time: 0,
    });

    const unknownFilterKey = await raw('POST', '/collections/shape/points/scroll', { filter: { and: [] } });
    expect(unknownFilterKey.status).toBe(400);

    const badId = await raw('PUT', '/collections/shape/points?wait=true', {
      points: [{ id: 'not-a-uuid', vector: [1, 0, 0, 0] }],
    });
    expect(badId.status).toBe(400);

    const zeroLimit = await raw('POST', '/collections/shape/points/query', { query: [1, 0, 0, 0], limit: 0 });
    expect(zeroLimit.status).toBe(422);
    expect((await zeroLimit.json()).status.error).toMatch(/^Validation error in JSON body/);

    const nullInsteadOfNumber = await raw('POST', '/collections/shape/points/query', {
      query: [1, 0, 0, 0],
      limit: null,
    });
    expect(nullInsteadOfNumber.status).toBe(200);

    const search = (params: unknown) =>
      raw('POST', '/collections/shape/points/query', { query: [1, 0, 0, 0], params });
    expect((await search({ hnsw_ef: 'wide' })).status).toBe(400);
    expect((await search({ quantization: { rescore: true, oversampling: 0.5 } })).status).toBe(422);
    expect((await search({ hnsw_ef: 128, quantization: { rescore: true, oversampling: 2 } })).status).toBe(
      200,
    );

    const badQuery = await raw('PUT', '/collections/shape/points?wait=maybe', { points: [] });
    expect(badQuery.status).toBe(400);

    const count = await (await raw('POST', '/collections/shape/points/count', {})).json();
    expect(count.result).toEqual({ count: 0 });
  });

  it('answers semantic errors as Qdrant does: missing collection 404, wrong dimension 400, existing collection 409', async () => {
    expect((await (await raw('GET', '/collections/nope')).json()).status.error).toBe(
      "Not found: Collection `nope` doesn't exist!",
    );
    await raw('PUT', '/collections/dims', { vectors: { size: 4, distance: 'Cosine' } });
    const wrongDim = await raw('PUT', '/collections/dims/points', {
      points: [{ id: randomUUID(), vector: [1, 0] }],
    });
    expect(wrongDim.status).toBe(400);
    expect((await wrongDim.json()).status.error).toBe(
      'Wrong input: Vector dimension error: expected dim: 4, got 2',
    );
    expect((await raw('PUT', '/collections/dims', { vectors: { size: 4, distance: 'Cosine' } })).status).toBe(
      409,
    );
  });

  it('checks alias changes against the spec and applies them all or none, as Qdrant does', async () => {
    await raw('PUT', '/collections/aliased_a', { vectors: { size: 4, distance: 'Cosine' } });
    await raw('PUT', '/collections/aliased_b', { vectors: { size: 4, distance: 'Cosine' } });
    const aliases = async () => (await (await raw('GET', '/aliases')).json()).result.aliases;
    const change = (actions: unknown) => raw('POST', '/collections/aliases', { actions });

    expect((await change([{ create_alias: { alias_name: 'served' } }])).status).toBe(400);
    expect((await change('create')).status).toBe(400);
    expect((await change([{ create_alias: { alias_name: 'served', collection_name: 'nope' } }])).status).toBe(
      404,
    );
    const named = await change([{ create_alias: { alias_name: 'aliased_b', collection_name: 'aliased_a' } }]);
    expect(named.status).toBe(409);
    // One failing action keeps the ones before it from applying.
    const partly = await change([
      { create_alias: { alias_name: 'served', collection_name: 'aliased_a' } },
      { rename_alias: { old_alias_name: 'missing', new_alias_name: 'other' } },
    ]);
    expect(partly.status).toBe(404);
    expect(await aliases()).toEqual([]);

    await change([{ create_alias: { alias_name: 'served', collection_name: 'aliased_a' } }]);
    expect((await raw('POST', '/collections/served/points/count', {})).status).toBe(200);
    expect(
      (await raw('PUT', '/collections/served', { vectors: { size: 4, distance: 'Cosine' } })).status,
    ).toBe(400);
    await change([
      { delete_alias: { alias_name: 'served' } },
      { create_alias: { alias_name: 'served', collection_name: 'aliased_b' } },
    ]);
    expect(await aliases()).toEqual([{ alias_name: 'served', collection_name: 'aliased_b' }]);
    expect((await (await raw('DELETE', '/collections/served')).json()).result).toBe(false);
    await raw('DELETE', '/collections/aliased_b');
    expect(await aliases()).toEqual([]);
    expect((await raw('POST', '/collections/served/points/count', {})).status).toBe(404);
  });

  it('demands the api key, answering 401 in plain text as Qdrant does', async () => {
    const res = await raw('GET', '/collections/dims', undefined, 'wrong');
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('Invalid API key or JWT');
  });
});

describe('QdrantVectorStore against the double', () => {
  let double: QdrantDouble;
  beforeAll(async () => {
    double = await startQdrantDouble({ apiKey: 'secret-key' });
  });
  afterAll(() => double.close());
  afterEach(() => double.clearFaults());

  it('creates the collection with the configured HNSW and quantization, and an index on every filtered field', async () => {
    const store = storeOn(double.url, {
      apiKey: 'secret-key',
      hnswM: 32,
      hnswEfConstruct: 200,
      quantization: 'int8',
    });
    const info = await store.ensureCollection();
    expect(info).toMatchObject({
      vector_size: 4,
      distance: 'Cosine',
      hnsw: { m: 32, ef_construct: 200 },
      quantization: 'scalar',
    });
    expect(info.payload_indexes.sort()).toEqual(
      [
        'document_reference',
        'embedding_model',
        'metadata.chunk_index',
        'metadata.page_reference',
        'metadata.processing_version',
        'metadata.section_title',
      ].sort(),
    );
    const before = double.requests.length;
    await store.ensureCollection();
    expect(double.requests.slice(before).map((r) => r.operationId)).toEqual([
      'get_collection',
      'get_collection',
    ]);
  });

  it('sends the api key, wait=true on every write, and searches only through /points/query', async () => {
    const store = storeOn(double.url, { apiKey: 'secret-key', upsertBatchSize: 2 });
    const from = double.requests.length;
    await store.ensureCollection();
    const points = [aPoint(), aPoint(), aPoint()];
    await store.upsert(points);
    await store.search({ vector: [1, 0, 0, 0], limit: 3, filter: { document_reference: 'book.pdf' } });
    await store.setPayload(points[0].id, payloadFor(points[0].id));
    await store.deleteByIds([points[1].id]);
    await store.deleteByFilter({ section_title: 'Intro' });
    const sent = double.requests.slice(from);
    expect(sent.every((r) => r.headers['api-key'] === 'secret-key')).toBe(true);
    const writes = sent.filter((r) => ['PUT', 'DELETE'].includes(r.method) || /delete|payload/.test(r.path));
    expect(
      writes.filter((r) => r.operationId !== 'create_collection').every((r) => r.query.wait === 'true'),
    ).toBe(true);
    expect(sent.filter((r) => r.operationId === 'upsert_points')).toHaveLength(2);
    expect(sent.filter((r) => /search/.test(r.path))).toHaveLength(0);
    expect(sent.some((r) => r.operationId === 'query_points')).toBe(true);
  });

  it('sends hnsw_ef with every search, and rescoring with oversampling when quantization is on', async () => {
    const paramsSent = async (overrides: Partial<ReturnType<typeof loadQdrantConfig>>) => {
      const store = storeOn(double.url, { apiKey: 'secret-key', ...overrides });
      await store.ensureCollection();
      const point = aPoint();
      await store.upsert([point]);
      const from = double.requests.length;
      expect(await store.search({ vector: [1, 2, 3, 4], limit: 1 })).toEqual([
        { id: point.id, score: expect.closeTo(1, 5) },
      ]);
      const queries = double.requests.slice(from).filter((r) => r.operationId === 'query_points');
      expect(queries).toHaveLength(1);
      return (queries[0].body as { params?: unknown }).params;
    };
    expect(await paramsSent({})).toEqual({ hnsw_ef: 128 });
    expect(await paramsSent({ quantization: 'int8', searchHnswEf: 200, searchOversampling: 3 })).toEqual({
      hnsw_ef: 200,
      quantization: { rescore: true, oversampling: 3 },
    });
  });

  it("maps a 503 to VECTOR_STORE_UNAVAILABLE with Qdrant's message, and works again once Qdrant recovers", async () => {
    const store = storeOn(double.url, { apiKey: 'secret-key' });
    await store.ensureCollection();
    double.inject('query_points', {
      status: 503,
      message: 'Service Unavailable: shards are not ready',
      times: 1,
    });
    const error = await failure(store.search({ vector: [1, 0, 0, 0], limit: 1 }));
    expect(error.code).toBe('VECTOR_STORE_UNAVAILABLE');
    expect(error.message).toBe('Qdrant query failed: HTTP 503: Service Unavailable: shards are not ready');
    await expect(store.search({ vector: [1, 0, 0, 0], limit: 1 })).resolves.toEqual([]);
  });

  it('gives up on a slow Qdrant after QDRANT_TIMEOUT_MS with VECTOR_STORE_TIMEOUT', async () => {
    const store = storeOn(double.url, { apiKey: 'secret-key', timeoutMs: 200 });
    await store.ensureCollection();
    double.inject('count_points', { latencyMs: 1_500 });
    const started = Date.now();
    expect((await failure(store.count())).code).toBe('VECTOR_STORE_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('maps a dropped connection to VECTOR_STORE_UNAVAILABLE, a bad key to UNAUTHORIZED, a missing collection to COLLECTION_MISSING', async () => {
    const store = storeOn(double.url, { apiKey: 'secret-key' });
    await store.ensureCollection();
    double.inject('scroll_points', { drop: true, times: 1 });
    expect((await failure(store.scroll({ limit: 1 }))).code).toBe('VECTOR_STORE_UNAVAILABLE');
    expect((await failure(storeOn(double.url, { apiKey: 'wrong' }).count())).code).toBe(
      'VECTOR_STORE_UNAUTHORIZED',
    );
    expect(await storeOn(double.url, { apiKey: 'wrong' }).health()).toEqual({
      status: 'down',
      reason: 'unauthorized',
    });
    const missing = storeOn(double.url, { apiKey: 'secret-key' });
    expect((await failure(missing.count())).code).toBe('COLLECTION_MISSING');
    expect(await missing.health()).toEqual({ status: 'down', reason: 'collection_missing' });
  });

  it('refuses to start on a collection of another size, naming both values, and never recreates it', async () => {
    const first = storeOn(double.url, { apiKey: 'secret-key', vectorSize: 8 });
    await first.ensureCollection();
    const collection = (await first.collectionInfo())!.name;
    const other = storeOn(double.url, { apiKey: 'secret-key', collection, vectorSize: 4 });
    const error = await failure(other.ensureCollection());
    expect(error.code).toBe('COLLECTION_MISMATCH');
    expect(error.message).toContain('vector size 8');
    expect(error.message).toContain('size 4');
    expect(await other.health()).toEqual({ status: 'down', reason: 'size_mismatch' });
    expect(double.requests.some((r) => r.operationId === 'delete_collection')).toBe(false);
  });

  it('refuses an api key over plain HTTP to a non-loopback host unless QDRANT_ALLOW_INSECURE is set', () => {
    expect(() => storeOn('http://qdrant.internal:6333', { apiKey: 'k' })).toThrow(ConfigValidationError);
    expect(() => storeOn('http://qdrant.internal:6333', { apiKey: 'k', allowInsecure: true })).not.toThrow();
    expect(() => storeOn('https://qdrant.internal:6333', { apiKey: 'k' })).not.toThrow();
    expect(() => storeOn('http://127.0.0.1:6333', { apiKey: 'k' })).not.toThrow();
  });

  it('answers unreachable when nothing listens (port 1 is also a port fetch refuses to dial)', async () => {
    expect(await storeOn('http://127.0.0.1:1').health()).toEqual({ status: 'down', reason: 'unreachable' });
    expect((await failure(storeOn('http://127.0.0.1:1').count())).message).toBe(
      'Qdrant count failed: connection failed (bad port)',
    );
  });
});
