import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/app';
import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';

/** Runs `fn` with these environment variables set (undefined unsets), restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

const status = async (t: TestApp, path = '/db/status/qdrant') => {
  const started = Date.now();
  const res = await fetch(`${t.baseUrl}${path}`);
  return { status: res.status, body: await res.json(), elapsed: Date.now() - started };
};

describe('GET /db/status/qdrant on the embedded store', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ragstore-e2e-vectors-'));
  let t: TestApp;
  beforeAll(async () => {
    t = await withEnv({ QDRANT_URL: undefined, QDRANT_HOST: undefined, DATA_DIR: dataDir }, () =>
      startTestApp(),
    );
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 200 with the embedded collection up, and /health/ready includes it', async () => {
    const res = await status(t);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      info: { qdrant: { status: 'up' } },
    });
    const ready = await status(t, '/health/ready');
    expect(ready.body.info.qdrant).toMatchObject({ status: 'up' });
  });
});

describe('GET /db/status/qdrant through the Qdrant double', () => {
  let double: QdrantDouble;
  let t: TestApp;
  beforeAll(async () => {
    double = await startQdrantDouble({ apiKey: 'e2e-key' });
    t = await withEnv({ QDRANT_URL: double.url, QDRANT_API_KEY: 'e2e-key', VECTOR_SIZE: '4' }, () =>
      startTestApp(),
    );
  });
  afterAll(async () => {
    await t?.close();
    await double?.close();
  });

  it('answers 200 once start-up has created the collection, showing no host or key', async () => {
    const res = await status(t);
    expect(res.status).toBe(200);
    expect(res.body.info.qdrant).toEqual({ status: 'up' });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('e2e-key');
  });

  it('answers 503 size_mismatch when the collection is replaced by one of another size', async () => {
    const headers = { 'api-key': 'e2e-key', 'content-type': 'application/json' };
    await fetch(`${double.url}/collections/book_embeddings`, { method: 'DELETE', headers });
    let res = await status(t);
    expect(res.status).toBe(503);
    expect(res.body.error.qdrant).toMatchObject({ status: 'down', reason: 'collection_missing' });
    await fetch(`${double.url}/collections/book_embeddings`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ vectors: { size: 8, distance: 'Cosine' } }),
    });
    res = await status(t);
    expect(res.status).toBe(503);
    expect(res.body.error.qdrant).toMatchObject({ status: 'down', reason: 'size_mismatch' });
    expect((await status(t, '/health/ready')).status).toBe(503);
  });

  it('refuses to start against a collection of another size, naming both sizes', async () => {
    const error = await withEnv({ QDRANT_URL: double.url, QDRANT_API_KEY: 'e2e-key', VECTOR_SIZE: '4' }, () =>
      startTestApp().then(
        async (app) => {
          await app.close();
          return undefined;
        },
        (e: unknown) => e as Error,
      ),
    );
    expect(error?.message).toMatch(/vector size 8 .*size 4/);
  });
});

describe('GET /db/status/qdrant when Qdrant is unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await withEnv({ QDRANT_URL: 'http://127.0.0.1:1' }, () => startTestApp());
  });
  afterAll(() => t?.close());

  it('still starts, answers 503 "unreachable" within 2 s, and keeps /health/live at 200', async () => {
    const res = await status(t);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      status: 'error',
      error: { qdrant: { status: 'down', reason: 'unreachable' } },
    });
    expect(res.elapsed).toBeLessThan(2_000);
    expect(JSON.stringify(res.body)).not.toContain('127.0.0.1');
    expect((await status(t, '/health/live')).status).toBe(200);
    expect((await status(t, '/health/ready')).status).toBe(503);
  });
});
