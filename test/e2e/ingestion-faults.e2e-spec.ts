import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';
import { startTestApp, type TestApp } from '../support/app';
import { bookChunks, ingestBody, postJson, uniqueDocument, unitVector } from '../support/ingest';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { spawnService, waitForHttp } from '../support/service-process';

const DIM = 8;
const COLLECTION = 'book_embeddings';
const FAST_RELAY = {
  VECTOR_SIZE: String(DIM),
  OUTBOX_POLL_MS: '100',
  OUTBOX_BACKOFF_BASE_MS: '20',
  OUTBOX_BACKOFF_MAX_MS: '100',
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Qdrant's REST API, called directly: drift made behind the service's back. */
async function qdrant(double: QdrantDouble, method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${double.url}/collections/${COLLECTION}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

describe('ingestion faults (real PostgreSQL + the Qdrant test double)', () => {
  let double: QdrantDouble;
  let t: TestApp;
  let pg: Client;

  beforeAll(async () => {
    double = await startQdrantDouble();
    t = await startTestApp({ env: { ...FAST_RELAY, QDRANT_URL: double.url } });
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await t?.close();
    await double?.close();
  });

  const consistency = async () => (await fetch(`${t.baseUrl}/v1/admin/consistency`)).json();

  it('answers 202 while Qdrant fails, retries with backoff, and converges to synced and consistent', async () => {
    double.inject('upsert_points', { status: 503, message: 'Service Unavailable', times: 3 });
    const doc = uniqueDocument('flaky');
    const res = await postJson(
      `${t.baseUrl}/v1/ingest`,
      ingestBody(doc, bookChunks(20, DIM), { wait_ms: 50 }),
    );
    expect(res.status).toBe(202);
    expect(res.body.chunks.every((c: { status: string }) => c.status === 'pending')).toBe(true);

    const statuses = await eventually(
      async () =>
        (await pg.query(`SELECT DISTINCT sync_status FROM chunks WHERE document_reference = $1`, [doc])).rows,
      (rows) => rows.length === 1 && rows[0].sync_status === 'synced',
    );
    expect(statuses).toEqual([{ sync_status: 'synced' }]);
    const failedUpserts = double.requests.filter((r) => r.operationId === 'upsert_points').length;
    expect(failedUpserts).toBeGreaterThanOrEqual(4);
    expect(await consistency()).toMatchObject({
      consistent: true,
      postgres: { live: 20 },
      vector_store: { points: 20 },
    });
  });

  it('marks chunks failed after the attempt budget, reports them, and repair retries them', async () => {
    double.inject('upsert_points', { status: 500, message: 'disk full' });
    const doc = uniqueDocument('failing');
    await postJson(
      `${t.baseUrl}/v1/ingest`,
      ingestBody(doc, bookChunks(3, DIM, { seed: 5 }), { wait_ms: 0 }),
    );
    const failed = await eventually(consistency, (r: any) => r.drift.failed.count === 3, 20_000);
    expect(failed.drift.failed.count).toBe(3);
    const parked = (await pg.query(`SELECT last_error FROM vector_outbox WHERE next_attempt_at = 'infinity'`))
      .rows;
    expect(parked).toHaveLength(3);
    expect(parked[0].last_error).toContain('disk full');

    double.clearFaults();
    const repair = await postJson(`${t.baseUrl}/v1/admin/consistency/repair`, undefined);
    expect(repair.status).toBe(200);
    expect(repair.body).toMatchObject({ retried_failed: 3, drained: true });
    expect(await consistency()).toMatchObject({ consistent: true });
  }, 40_000);

  it('finds drift injected behind its back, repairs each kind from Postgres, and then reports all zeros', async () => {
    const doc = uniqueDocument('drift');
    const res = await postJson(`${t.baseUrl}/v1/ingest`, ingestBody(doc, bookChunks(6, DIM, { seed: 9 })));
    expect(res.status).toBe(201);
    const [deletedPoint, alteredPayload, forcedPending, softDeleted] = res.body.chunks.map(
      (c: { chunk_id: string }) => c.chunk_id,
    );
    const orphan = randomUUID();

    await qdrant(double, 'POST', '/points/delete?wait=true', { points: [deletedPoint] });
    await qdrant(double, 'PUT', '/points?wait=true', {
      points: [
        { id: orphan, vector: unitVector(DIM, 1234), payload: { chunk_id: orphan, text_content: 'ghost' } },
      ],
    });
    await qdrant(double, 'PUT', '/points/payload?wait=true', {
      payload: { chunk_id: alteredPayload, text_content: 'tampered' },
      points: [alteredPayload],
    });
    await pg.query(`UPDATE chunks SET sync_status = 'pending' WHERE chunk_id = $1`, [forcedPending]);
    await pg.query(`UPDATE chunks SET deleted_at = now() WHERE chunk_id = $1`, [softDeleted]);

    const report = await consistency();
    expect(report.consistent).toBe(false);
    const counts = Object.fromEntries(
      Object.entries(report.drift).map(([k, v]: [string, any]) => [k, v.count]),
    );
    expect(counts).toEqual({
      missing_in_vector_store: 1,
      orphaned_in_vector_store: 1,
      stale_payload: 1,
      deleted_but_present: 1,
      stuck_pending: 1,
      failed: 0,
    });
    expect(report.drift.missing_in_vector_store.sample_ids).toEqual([deletedPoint]);
    expect(report.drift.orphaned_in_vector_store.sample_ids).toEqual([orphan]);
    expect(report.drift.stale_payload.sample_ids).toEqual([alteredPayload]);
    expect(report.drift.stuck_pending.sample_ids).toEqual([forcedPending]);
    expect(report.drift.deleted_but_present.sample_ids).toEqual([softDeleted]);

    const repair = await postJson(`${t.baseUrl}/v1/admin/consistency/repair`, undefined);
    expect(repair.body).toMatchObject({ enqueued: { upsert: 3, delete: 2 }, drained: true });
    const after = await consistency();
    expect(after.consistent).toBe(true);
    expect(after.vector_store.points).toBe(after.postgres.live);
  });
});

describe('a crash between the Postgres commit and the Qdrant write', () => {
  let double: QdrantDouble;
  let db: TestDatabase;

  beforeAll(async () => {
    double = await startQdrantDouble();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await double?.close();
    await db?.drop();
  });

  it('loses and duplicates nothing: after a restart the outbox drains', async () => {
    const env = { ...FAST_RELAY, DATABASE_URL: db.url, QDRANT_URL: double.url, OUTBOX_LEASE_MS: '1000' };
    const port = await freePort();
    const first = spawnService({ ...env, PORT: String(port) });
    await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 60_000, first);

    // The relay's write to Qdrant hangs; the process dies while it is in flight.
    double.inject('upsert_points', { latencyMs: 60_000, drop: true });
    const doc = uniqueDocument('crash');
    const res = await postJson(
      `http://127.0.0.1:${port}/v1/ingest`,
      ingestBody(doc, bookChunks(30, DIM), { wait_ms: 0 }),
    );
    expect(res.status).toBe(202);
    await eventually(
      () => Promise.resolve(double.requests.some((r) => r.operationId === 'upsert_points')),
      (seen) => seen,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    double.clearFaults();

    const second = spawnService({ ...env, PORT: String(port) });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 60_000, second);
      const report = await eventually(
        async () => (await fetch(`http://127.0.0.1:${port}/v1/admin/consistency`)).json(),
        (r: any) => r.consistent === true,
        20_000,
      );
      expect(report).toMatchObject({
        consistent: true,
        postgres: { live: 30 },
        vector_store: { points: 30 },
      });
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 120_000);
});
