import { createServer } from 'node:net';
import { HashingEmbeddingProvider } from '../../src/embeddings/hashing-embedding.provider';
import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';
import { bookChunks, ingestBody } from '../support/ingest';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { spawnService, waitForHttp } from '../support/service-process';

const SECRETS = {
  qdrant: 'qdrant-key-SECRET-7f3a9c1e55b2',
  admin: 'admin-key-SECRET-0c9d8e7f6a5b4c3d2e1f',
  embedding: 'embedding-key-SECRET-4b4b4b4b',
  presentedWrong: 'presented-wrong-key-SECRET-9e9e',
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('secret hygiene', () => {
  let double: QdrantDouble;
  let db: TestDatabase;

  beforeAll(async () => {
    double = await startQdrantDouble({ apiKey: SECRETS.qdrant });
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await double?.close();
    await db?.drop();
  });

  it('leaves no secret in any log line or response of a run that uses them all', async () => {
    const url = new URL(db.url);
    // The test server's real password when it has one; a trust-auth server ignores this one.
    const databasePassword = url.password || 'db-password-SECRET-1d1d1d';
    url.password = databasePassword;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = spawnService({
      DATABASE_URL: url.toString(),
      QDRANT_URL: double.url,
      QDRANT_API_KEY: SECRETS.qdrant,
      ADMIN_API_KEY: SECRETS.admin,
      EMBEDDING_API_KEY: SECRETS.embedding,
      VECTOR_SIZE: '8',
      LOG_LEVEL: 'trace',
      PORT: String(port),
    });
    const bodies: string[] = [];
    const record = async (res: Response) => {
      bodies.push(JSON.stringify([...res.headers.entries()]), await res.text());
      return res.status;
    };
    try {
      await waitForHttp(`${base}/health/ready`, 60_000, service);
      const admin = { authorization: `Bearer ${SECRETS.admin}`, 'content-type': 'application/json' };
      expect(
        await record(
          await fetch(`${base}/v1/ingest`, {
            method: 'POST',
            headers: admin,
            body: JSON.stringify(
              ingestBody('secrets.pdf', bookChunks(3, 8), {
                embedding_model: new HashingEmbeddingProvider(8).model,
              }),
            ),
          }),
        ),
      ).toBe(201);
      expect(
        await record(
          await fetch(`${base}/v1/retrieve`, {
            method: 'POST',
            headers: admin,
            body: JSON.stringify({ query: 'sensor', top_k: 2 }),
          }),
        ),
      ).toBe(200);
      // An upstream that echoes our keys, a host and a path in its error (as real servers do).
      const echo = `Bearer ${SECRETS.qdrant} rejected by ${double.url}/collections at /var/lib/qdrant/storage/x; admin ${SECRETS.admin}; db ${databasePassword}`;
      double.inject('query_points', { status: 500, message: echo, times: 1 });
      const failed = await fetch(`${base}/v1/retrieve`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ query: 'sensor', top_k: 2 }),
      });
      const failedBody = await failed.clone().json();
      expect(await record(failed)).toBe(503);
      // Our code and the upstream status only: nothing the upstream said.
      expect(failedBody).toMatchObject({
        code: 'VECTOR_STORE_UNAVAILABLE',
        message: 'The vector store failed (HTTP 500)',
        details: { upstream_status: 500 },
      });
      expect(JSON.stringify(failedBody)).not.toMatch(/rejected by|var\/lib|collections/);
      expect(
        await record(await fetch(`${base}/v1/logs`, { headers: { 'x-api-key': SECRETS.presentedWrong } })),
      ).toBe(401);
      expect(await record(await fetch(`${base}/v1/admin/consistency`, { headers: admin }))).toBe(200);
      expect(await record(await fetch(`${base}/v1/users/not-a-uuid`, { headers: admin }))).toBe(400);
      for (const path of ['/health/ready', '/db/status/neon', '/db/status/qdrant', '/docs-json']) {
        await record(await fetch(`${base}${path}`, { headers: admin }));
      }
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    const everything = `${service.output()}\n${bodies.join('\n')}`;
    expect(service.output().length).toBeGreaterThan(1000);
    // The operator still learns what the upstream said, scrubbed and bounded.
    expect(service.output()).toContain('rejected by');
    expect(service.output()).toContain('[redacted]');
    for (const secret of [...Object.values(SECRETS), databasePassword]) {
      expect([secret, everything.includes(secret)]).toEqual([secret, false]);
    }
  }, 90_000);
});
