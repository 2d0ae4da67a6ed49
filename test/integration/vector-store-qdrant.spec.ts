import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { ConfigValidationError, loadQdrantConfig } from '../../config';
import { QdrantVectorStore, type QdrantStoreConfig } from '../../src/vectors/qdrant/qdrant-vector-store';
import { VectorStoreError } from '../../src/vectors/vector-store.errors';
import { payloadFor } from '../contract/vector-store.contract';
import { signJwt } from '../qdrant-double/auth';
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
    // Creation takes names of 1-255 characters; a rebuild name adds 18 to QDRANT_COLLECTION (≤ 237).
    const long = await raw('PUT', `/collections/${'n'.repeat(256)}`, {
      vectors: { size: 4, distance: 'Cosine' },
    });
    expect(long.status).toBe(422);
    expect(
      (
        await raw('PUT', `/collections/${'n'.repeat(237)}_20261201223000123`, {
          vectors: { size: 4, distance: 'Cosine' },
        })
      ).status,
    ).toBe(200);
  });

  it('checks alias changes against the spec and applies them one by one, keeping what succeeded, as Qdrant does', async () => {
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
    expect((await named.json()).status.error).toBe('Wrong input: Collection `aliased_b` already exists!');

    // One create_alias onto an existing alias switches it.
    await change([{ create_alias: { alias_name: 'served', collection_name: 'aliased_a' } }]);
    await change([{ create_alias: { alias_name: 'served', collection_name: 'aliased_b' } }]);
    expect(await aliases()).toEqual([{ alias_name: 'served', collection_name: 'aliased_b' }]);
    expect((await raw('POST', '/collections/served/points/count', {})).status).toBe(200);
    expect(
      (await raw('PUT', '/collections/served', { vectors: { size: 4, distance: 'Cosine' } })).status,
    ).toBe(400);

    // A failing action leaves the earlier ones applied: the alias is gone, nothing serves.
    const partly = await change([
      { delete_alias: { alias_name: 'served' } },
      { create_alias: { alias_name: 'served', collection_name: 'missing' } },
    ]);
    expect(partly.status).toBe(404);
    expect((await partly.json()).status.error).toBe("Not found: Collection `missing` doesn't exist!");
    expect(await aliases()).toEqual([]);
    expect((await raw('POST', '/collections/served/points/count', {})).status).toBe(404);

    await change([{ create_alias: { alias_name: 'served', collection_name: 'aliased_b' } }]);
    expect((await (await raw('GET', '/collections/served/exists')).json()).result).toEqual({ exists: true });
    expect((await (await raw('DELETE', '/collections/served')).json()).result).toBe(false);
    await raw('DELETE', '/collections/aliased_b');
    expect(await aliases()).toEqual([]);
    expect((await raw('POST', '/collections/served/points/count', {})).status).toBe(404);
  });

  it('reports HNSW and quantization at the level they were given, payload_schema without empty params, and merges duplicate has_id ids', async () => {
    await raw('PUT', '/collections/levels', {
      vectors: { size: 4, distance: 'Cosine', hnsw_config: { m: 32, ef_construct: 200 } },
      quantization_config: { scalar: { type: 'int8' } },
    });
    await raw('PUT', '/collections/levels/index?wait=true', { field_name: 'k', field_schema: 'keyword' });
    const info = (await (await raw('GET', '/collections/levels')).json()).result;
    expect(info.config.params.vectors.hnsw_config).toEqual({ m: 32, ef_construct: 200 });
    expect(info.config.hnsw_config).toMatchObject({ m: 16, ef_construct: 100 });
    expect(info.config.params.vectors.quantization_config).toBeUndefined();
    expect(info.config.quantization_config).toEqual({ scalar: { type: 'int8' } });
    expect(info.payload_schema).toEqual({ k: { data_type: 'keyword', points: 0 } });
    const id = randomUUID();
    const dup = await raw('POST', '/collections/levels/points/count', {
      filter: { must: [{ has_id: [id, id] }] },
    });
    expect(dup.status).toBe(200);
  });

  it('answers gzip-compressed and chunked when asked for gzip, as Qdrant does, and plain with a length otherwise', async () => {
    const get = (encoding: string) =>
      new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = httpRequest(`${double.url}/collections`, {
          headers: { 'accept-encoding': encoding, 'api-key': 'secret-key' },
        });
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject).end();
      });
    const zipped = await get('gzip, deflate');
    expect(zipped.headers).toMatchObject({ 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' });
    expect(JSON.parse(gunzipSync(zipped.body).toString()).status).toBe('ok');
    const plain = await get('identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['content-length']).toBe(String(plain.body.length));
    expect(JSON.parse(plain.body.toString()).status).toBe('ok');
    expect(double.requests.at(-1)!.headers['accept-encoding']).toBe('identity');
  });

  it("refuses a body over 32 MiB with actix's 400, and takes a 24 MiB one", async () => {
    await raw('PUT', '/collections/big', { vectors: { size: 4, distance: 'Cosine' } });
    const pad = (bytes: number) => ({
      filter: { must: [{ key: 'x'.repeat(bytes), match: { value: 'y' } }] },
    });
    const large = JSON.stringify(pad(33 * 1024 * 1024));
    const refused = await fetch(`${double.url}/collections/big/points/count`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': 'secret-key' },
      body: large,
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      status: {
        error: `JSON payload (${Buffer.byteLength(large)} bytes) is larger than allowed (limit: 33554432 bytes).`,
      },
      time: 0,
    });
    // On a connection of its own: a pooled socket may meet the double's idle close (the server's
    // keep-alive race, tested below) while a slow machine builds the 24 MiB body.
    const accepted = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${double.url}/collections/big/points/count`, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'api-key': 'secret-key' },
      });
      req.on('response', (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)));
      req.on('error', reject).end(JSON.stringify(pad(24 * 1024 * 1024)));
    });
    expect(accepted).toBe(200);
  });

  it('closes an idle keep-alive socket 5 s after its last answer, without a Keep-Alive header', async () => {
    const socket = connect(Number(new URL(double.url).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write('GET / HTTP/1.1\r\nHost: double\r\nConnection: keep-alive\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    const answered = Date.now();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer.toLowerCase()).not.toContain('keep-alive:');
    expect(Date.now() - answered).toBeGreaterThanOrEqual(4_900);
  }, 15_000);

  it('answers keys as Qdrant does: read-only 403 after the existence check, a collection-scoped JWT kept to its collection', async () => {
    const scoped = await startQdrantDouble({ apiKey: 'secret-key', readOnlyApiKey: 'read-key' });
    try {
      const call = (method: string, path: string, key: string, body?: unknown) =>
        fetch(`${scoped.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', 'api-key': key },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const error = async (res: Response) => [res.status, (await res.json()).status.error];
      await call('PUT', '/collections/c', 'secret-key', { vectors: { size: 4, distance: 'Cosine' } });
      await call('PUT', '/collections/other', 'secret-key', { vectors: { size: 4, distance: 'Cosine' } });
      const del = { points: [randomUUID()] };
      expect(await error(await call('POST', '/collections/c/points/delete', 'read-key', del))).toEqual([
        403,
        'Forbidden: Global manage access is required',
      ]);
      expect(await error(await call('POST', '/collections/nope/points/delete', 'read-key', del))).toEqual([
        404,
        "Not found: Collection `nope` doesn't exist!",
      ]);

      const jwt = signJwt({ access: [{ collection: 'c', access: 'rw' }] }, 'secret-key');
      expect(
        await error(await call('PUT', '/collections/c2', jwt, { vectors: { size: 4, distance: 'Cosine' } })),
      ).toEqual([403, 'Forbidden: Global access is required']);
      const alias = { actions: [{ create_alias: { alias_name: 'a', collection_name: 'c' } }] };
      expect((await call('POST', '/collections/aliases', jwt, alias)).status).toBe(403);
      expect((await call('DELETE', '/collections/c', jwt)).status).toBe(403);
      expect((await (await call('GET', '/collections', jwt)).json()).result).toEqual({
        collections: [{ name: 'c' }],
      });
      expect((await call('GET', '/collections/missing', jwt)).status).toBe(404);
      expect(
        (
          await call('PUT', '/collections/c/index?wait=true', jwt, {
            field_name: 'k',
            field_schema: 'keyword',
          })
        ).status,
      ).toBe(200);
      const upsert = { points: [{ id: randomUUID(), vector: [1, 0, 0, 0] }] };
      expect(
        (await (await call('PUT', '/collections/c/points?wait=true', jwt, upsert)).json()).result.status,
      ).toBe('completed');
      expect((await call('PUT', '/collections/other/points?wait=true', jwt, upsert)).status).toBe(403);
      expect((await call('GET', '/collections/c', signJwt({}, 'not-the-key'))).status).toBe(401);
    } finally {
      await scoped.close();
    }
  });

  it('enforces strict mode as Qdrant does: filter keys need a payload index, limits are refused by name', async () => {
    const strict = await startQdrantDouble({
      strictMode: {
        enabled: true,
        unindexed_filtering_retrieve: false,
        unindexed_filtering_update: false,
        max_query_limit: 100,
      },
    });
    try {
      const call = (method: string, path: string, body?: unknown) =>
        fetch(`${strict.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      await call('PUT', '/collections/s', { vectors: { size: 4, distance: 'Cosine' } });
      const filter = { must: [{ key: 'k', match: { value: 'x' } }] };
      const refused = await call('POST', '/collections/s/points/query', { query: [1, 0, 0, 0], filter });
      expect(refused.status).toBe(400);
      expect((await refused.json()).status.error).toBe(
        'Bad request: Index required but not found for "k" of one of the following types: [keyword, uuid]. ' +
          'Help: Create an index for this key or use a different filter.',
      );
      expect((await call('POST', '/collections/s/points/delete?wait=true', { filter })).status).toBe(400);
      expect(
        (
          await call('POST', '/collections/s/points/count', {
            filter: { must: [{ has_id: [randomUUID()] }] },
          })
        ).status,
      ).toBe(200);
      await call('PUT', '/collections/s/index?wait=true', { field_name: 'k', field_schema: 'keyword' });
      expect(
        (await call('POST', '/collections/s/points/query', { query: [1, 0, 0, 0], filter })).status,
      ).toBe(200);
      const tooMany = await call('POST', '/collections/s/points/query', { query: [1, 0, 0, 0], limit: 101 });
      expect((await tooMany.json()).status.error).toMatch(
        /^Bad request: Limit exceeded 101 > 100 for "limit"/,
      );
    } finally {
      await strict.close();
    }
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

  it('asks Qdrant for no payload on a search nor on an id-only scroll', async () => {
    const store = storeOn(double.url, { apiKey: 'secret-key' });
    await store.ensureCollection();
    await store.upsert([aPoint(), aPoint()]);
    const from = double.requests.length;
    await store.search({ vector: [1, 0, 0, 0], limit: 2 });
    expect((await store.scrollIds({ limit: 10 })).ids).toHaveLength(2);
    const sent = double.requests.slice(from).map((r) => r.body as { with_payload?: unknown });
    expect(sent.map((b) => b.with_payload)).toEqual([false, false]);
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

  it('says a 429 is Qdrant rate limiting, with its status (the client keeps one character of Retry-After and drops the status)', async () => {
    const store = storeOn(double.url, { apiKey: 'secret-key' });
    await store.ensureCollection();
    double.inject('count_points', {
      status: 429,
      message: 'Rate limiting exceeded: Read rate limit exceeded',
      headers: { 'retry-after': '30' },
      times: 1,
    });
    const error = await failure(store.count());
    expect(error.code).toBe('VECTOR_STORE_UNAVAILABLE');
    expect(error.message).toBe(
      'Qdrant count failed: HTTP 429: Qdrant is rate limiting this key (strict mode read/write rate limit); retry later',
    );
  });

  it("names a strict-mode limit the configuration exceeds (a 500 that is the operator's to fix)", async () => {
    const strict = await startQdrantDouble({ strictMode: { enabled: true, search_max_hnsw_ef: 64 } });
    try {
      const store = storeOn(strict.url, { searchHnswEf: 128 });
      await store.ensureCollection();
      const error = await failure(store.search({ vector: [1, 0, 0, 0], limit: 1 }));
      expect(error.code).toBe('VECTOR_STORE_REJECTED');
      expect(error.message).toContain('Limit exceeded 128 > 64 for "hnsw_ef"');
      expect(error.message).toContain("the collection's strict_mode_config limit is lower than this setting");
    } finally {
      await strict.close();
    }
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
    double.inject('scroll_points', { drop: true, times: 2 });
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

  it('asks for uncompressed answers on every request by default, and for gzip only with QDRANT_COMPRESSION=on', async () => {
    const sentEncodings = async (compression: 'off' | 'on') => {
      const store = storeOn(double.url, { apiKey: 'secret-key', compression });
      const from = double.requests.length;
      await store.ensureCollection();
      await store.upsert([aPoint()]);
      expect(await store.search({ vector: [1, 0, 0, 0], limit: 1, with_payload: true })).toHaveLength(1);
      await store.count();
      return new Set(double.requests.slice(from).map((r) => r.headers['accept-encoding']));
    };
    expect(await sentEncodings('off')).toEqual(new Set(['identity']));
    const on = [...(await sentEncodings('on'))];
    expect(on).toHaveLength(1);
    expect(on[0]).toMatch(/gzip/);
  });

  it('splits upserts by serialized size under QDRANT_UPSERT_MAX_BYTES, so a server with a smaller body limit takes them all', async () => {
    const small = await startQdrantDouble({ maxRequestBytes: 64 * 1024 });
    try {
      const store = storeOn(small.url, { upsertMaxBytes: 65_536, upsertBatchSize: 256 });
      await store.ensureCollection();
      const points = Array.from({ length: 40 }, () => {
        const p = aPoint();
        return { ...p, payload: { ...p.payload, text_content: 'ж'.repeat(4_000) } };
      });
      await store.upsert(points);
      expect(await store.count()).toBe(40);
      const upserts = small.requests.filter((r) => r.operationId === 'upsert_points');
      expect(upserts.length).toBeGreaterThan(1);
      expect(upserts.every((r) => JSON.stringify(r.body).length < 64 * 1024)).toBe(true);
    } finally {
      await small.close();
    }
  });

  it('resends a read once when its socket breaks (a keep-alive socket the server closed), but never a write', async () => {
    const store = storeOn(double.url, { apiKey: 'secret-key' });
    await store.ensureCollection();
    const point = aPoint();
    await store.upsert([point]);
    double.inject('query_points', { drop: true, times: 1 });
    expect(await store.search({ vector: [1, 2, 3, 4], limit: 1 })).toEqual([
      { id: point.id, score: expect.closeTo(1, 5) },
    ]);
    double.inject('upsert_points', { drop: true, times: 1 });
    const from = double.requests.length;
    expect((await failure(store.upsert([aPoint()]))).code).toBe('VECTOR_STORE_UNAVAILABLE');
    expect(double.requests.slice(from).filter((r) => r.operationId === 'upsert_points')).toHaveLength(1);
  });

  it.each(['acknowledged', 'wait_timeout'] as const)(
    'fails a write Qdrant answers %s instead of completed',
    async (status) => {
      const store = storeOn(double.url, { apiKey: 'secret-key' });
      await store.ensureCollection();
      double.inject('upsert_points', { updateStatus: status, times: 1 });
      const error = await failure(store.upsert([aPoint()]));
      expect(error.code).toBe(
        status === 'wait_timeout' ? 'VECTOR_STORE_TIMEOUT' : 'VECTOR_STORE_UNAVAILABLE',
      );
      expect(error.message).toBe(
        `Qdrant upsert failed: the server answered ${status}, not completed, so the change is not known to be applied`,
      );
      double.inject('delete_points', { updateStatus: status, times: 1 });
      expect((await failure(store.deleteByIds([randomUUID()]))).message).toContain(`answered ${status}`);
    },
  );

  it('switches an alias with a single create_alias action, so a failing switch leaves the old target serving', async () => {
    const served = storeOn(double.url, { apiKey: 'secret-key' });
    const name = (served as unknown as { collection: string }).collection;
    const build = async (suffix: string) => {
      const store = await served.onCollection(`${name}_${suffix}`);
      await store.ensureCollection();
      return `${name}_${suffix}`;
    };
    const first = await build('1');
    await served.switchAlias(first);
    const second = await build('2');
    const from = double.requests.length;
    await served.switchAlias(second);
    const change = double.requests.slice(from).filter((r) => r.operationId === 'update_aliases');
    expect(change.map((r) => r.body)).toEqual([
      { actions: [{ create_alias: { alias_name: name, collection_name: second } }] },
    ]);
    double.inject('update_aliases', {
      status: 404,
      message: "Not found: Collection `x` doesn't exist!",
      times: 1,
    });
    await failure(served.switchAlias(first));
    expect(double.aliases()[name]).toBe(second);
    expect(await served.servingCollection()).toBe(second);
  });

  it('on a strict-mode collection, a filtered search before the payload indexes exist is a clear 503, and works once they do', async () => {
    const strict = await startQdrantDouble({
      strictMode: { enabled: true, unindexed_filtering_retrieve: false, unindexed_filtering_update: false },
    });
    try {
      const collection = `c_${randomUUID().slice(0, 8)}`;
      // Created by someone else, without our indexes (an operator, or a boot that failed half-way).
      await fetch(`${strict.url}/collections/${collection}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ vectors: { size: 4, distance: 'Cosine' } }),
      });
      const store = storeOn(strict.url, { collection });
      const search = () =>
        store.search({ vector: [1, 0, 0, 0], limit: 1, filter: { document_reference: 'a.pdf' } });
      const error = await failure(search());
      expect(error.code).toBe('VECTOR_STORE_UNAVAILABLE');
      expect(error.message).toContain('Index required but not found for "document_reference"');
      expect(error.message).toContain(
        'the collection is in strict mode; the service creates its payload indexes at start-up',
      );
      await store.ensureCollection();
      await expect(search()).resolves.toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('with a collection-scoped key, a missing collection is a clear FORBIDDEN naming global manage access; an existing one works', async () => {
    const scoped = await startQdrantDouble({ apiKey: 'secret-key' });
    try {
      const collection = `c_${randomUUID().slice(0, 8)}`;
      const jwt = signJwt({ access: [{ collection, access: 'rw' }] }, 'secret-key');
      const store = storeOn(scoped.url, { collection, apiKey: jwt });
      const error = await failure(store.ensureCollection());
      expect(error.code).toBe('VECTOR_STORE_FORBIDDEN');
      expect(error.message).toBe(
        'Qdrant create collection failed: HTTP 403: Forbidden: Global access is required (creating, dropping or ' +
          'aliasing a collection needs a key with global manage access; a collection-scoped key or JWT can only ' +
          'read and write points of an existing collection)',
      );
      expect(await store.health()).toEqual({ status: 'down', reason: 'collection_missing' });
      await storeOn(scoped.url, { collection, apiKey: 'secret-key', vectorSize: 4 }).collectionInfo();
      await fetch(`${scoped.url}/collections/${collection}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'api-key': 'secret-key' },
        body: JSON.stringify({ vectors: { size: 4, distance: 'Cosine' } }),
      });
      expect((await store.ensureCollection()).payload_indexes).toHaveLength(6);
      await store.upsert([aPoint()]);
      expect(await store.count()).toBe(1);
    } finally {
      await scoped.close();
    }
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
