import type { Type } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChunksService } from '../../src/chunks/chunks.service';
import { IngestService } from '../../src/ingestion/ingest.service';
import { OutboxRelay } from '../../src/sync/outbox-relay.service';
import { OutboxRepository } from '../../src/sync/outbox.repository';
import { toPoint } from '../../src/sync/chunk-point';
import { VectorStore } from '../../src/vectors/vector-store';
import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';
import { bookChunks, ingestBody, uniqueDocument } from '../support/ingest';
import { startServiceContext, type ServiceContext } from '../support/service-context';

const DIM = 8;
const LEASE_MS = 1_000;

async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** The relay's lease, backoff and attempt budget on real PostgreSQL and the Qdrant double. */
describe('OutboxRelay (service tier)', () => {
  let double: QdrantDouble;
  let ctx: ServiceContext;
  let db: DataSource;
  let ingest: IngestService;

  beforeAll(async () => {
    double = await startQdrantDouble();
    ctx = await startServiceContext({
      VECTOR_SIZE: String(DIM),
      QDRANT_URL: double.url,
      OUTBOX_POLL_MS: '50',
      OUTBOX_BACKOFF_BASE_MS: '20',
      OUTBOX_BACKOFF_MAX_MS: '40',
      OUTBOX_MAX_ATTEMPTS: '3',
      OUTBOX_LEASE_MS: String(LEASE_MS),
    });
    db = ctx.get(DataSource);
    ingest = ctx.get(IngestService);
  });
  afterEach(() => double.clearFaults());
  afterAll(async () => {
    await ctx?.close();
    await double?.close();
  });

  const ingestOne = (wait_ms = 0) =>
    ingest.ingestBatch(ingestBody(uniqueDocument(), bookChunks(1, DIM), { wait_ms }));
  const chunkState = (chunkId: string) =>
    db
      .query<{ sync_status: string }[]>(`SELECT sync_status FROM chunks WHERE chunk_id = $1`, [chunkId])
      .then(([row]) => row.sync_status);

  it('backs off after a failed upsert and syncs once the store recovers', async () => {
    double.inject('upsert_points', { status: 503, times: 1 });
    const { response } = await ingestOne();
    const chunkId = response.chunks[0].chunk_id;
    expect(await eventually(async () => (await chunkState(chunkId)) === 'synced')).toBe(true);
    expect(double.requests.filter((r) => r.operationId === 'upsert_points').length).toBeGreaterThanOrEqual(2);
  });

  it('marks the chunk failed after the attempt budget, with the error kept; retrying it succeeds', async () => {
    double.inject('upsert_points', { status: 503, times: 3 });
    const { response } = await ingestOne();
    const chunkId = response.chunks[0].chunk_id;
    expect(await eventually(async () => (await chunkState(chunkId)) === 'failed')).toBe(true);
    const [row] = await db.query(
      `SELECT attempts, next_attempt_at = 'infinity' AS parked, last_error FROM vector_outbox WHERE chunk_id = $1`,
      [chunkId],
    );
    expect(row).toMatchObject({ attempts: 3, parked: true });
    expect(row.last_error).toContain('503');

    expect(await ctx.get(OutboxRepository).retryFailed()).toBeGreaterThanOrEqual(1);
    expect(await ctx.get(OutboxRelay).waitUntilSynced([chunkId], 5_000)).toBe(true);
    expect(await chunkState(chunkId)).toBe('synced');
  });

  it("retries a dead claimer's rows once their lease has run out, not before", async () => {
    const { response } = await ingestOne(5_000);
    const chunkId = response.chunks[0].chunk_id;
    // What a claimer that died mid-batch leaves behind: a changed row, its outbox row leased for 3 s.
    await db.query(
      `UPDATE chunks SET sync_status = 'pending', section_title = 'Changed' WHERE chunk_id = $1`,
      [chunkId],
    );
    await db.query(
      `INSERT INTO vector_outbox (chunk_id, operation, attempts, next_attempt_at)
       VALUES ($1, 'upsert', 1, now() + interval '3 seconds')`,
      [chunkId],
    );
    const leasedAt = Date.now();
    expect(await ctx.get(OutboxRelay).waitUntilSynced([chunkId], 1_500)).toBe(false);
    expect(await ctx.get(OutboxRelay).waitUntilSynced([chunkId], 10_000)).toBe(true);
    expect(Date.now() - leasedAt).toBeGreaterThanOrEqual(2_900);
  });

  it('renews the lease of a batch in flight, so a slow store does not hand it to a second claimer', async () => {
    double.inject('upsert_points', { latencyMs: LEASE_MS * 2.5, times: 1 });
    const pending = ingestOne(10_000);
    await new Promise((r) => setTimeout(r, LEASE_MS * 1.5));
    expect(await ctx.get(OutboxRepository).claim(10, LEASE_MS)).toEqual([]);
    const { synced } = await pending;
    expect(synced).toBe(true);
  });

  it('refreshes the planner statistics of chunks once a bulk load is synced', async () => {
    const lastAnalyze = () =>
      db
        .query<{ at: Date | null }[]>(
          `SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relid = 'chunks'::regclass`,
        )
        .then(([row]) => row?.at ?? null);
    const before = await lastAnalyze();
    // Autovacuum sets only last_autoanalyze: last_analyze moves only for an explicit ANALYZE.
    const { synced } = await ingest.ingestBatch(
      ingestBody(uniqueDocument(), bookChunks(600, DIM), { wait_ms: 20_000 }),
    );
    expect(synced).toBe(true);
    expect(
      await eventually(async () => {
        const at = await lastAnalyze();
        return at !== null && (before === null || at > before);
      }),
    ).toBe(true);
  });
});

/**
 * Several relay batches in flight (OUTBOX_RELAY_CONCURRENCY) must keep each chunk's states in
 * order: a batch that read an older state of a chunk and is still sending it must not be
 * overtaken by a second batch carrying the newer state, or the older one would land last.
 */
describe.each([
  ['the Qdrant double', true],
  ['the embedded store', false],
])('OutboxRelay with batches in flight on %s (service tier)', (_name, onQdrant) => {
  let double: QdrantDouble | null = null;
  let ctx: ServiceContext;
  let db: DataSource;

  beforeAll(async () => {
    double = onQdrant ? await startQdrantDouble() : null;
    ctx = await startServiceContext({
      VECTOR_SIZE: String(DIM),
      ...(double ? { QDRANT_URL: double.url } : {}),
      OUTBOX_POLL_MS: '50',
      OUTBOX_BATCH_SIZE: '2',
      OUTBOX_RELAY_CONCURRENCY: '4',
      OUTBOX_LEASE_MS: String(LEASE_MS),
    });
    db = ctx.get(DataSource);
  });
  afterAll(async () => {
    await ctx?.close();
    await double?.close();
  });

  const store = () => ctx.get(VectorStore as unknown as Type<VectorStore>);
  const sectionInStore = async (chunkId: string) => {
    const [point] = await store().retrieve([chunkId]);
    return point?.payload.metadata.section_title;
  };

  it("never lets a second batch overtake a chunk's older state still in flight", async () => {
    const ingest = ctx.get(IngestService);
    const { response, synced } = await ingest.ingestBatch(
      ingestBody(uniqueDocument(), bookChunks(1, DIM), { wait_ms: 10_000 }),
    );
    expect(synced).toBe(true);
    const chunkId = response.chunks[0].chunk_id;
    const outbox = ctx.get(OutboxRepository);

    // Batch A, slow: the chunk changed to v1, and a batch claimed that change and read v1...
    await db.query(
      `UPDATE chunks SET section_title = 'v1', sync_status = 'pending', updated_at = now() WHERE chunk_id = $1`,
      [chunkId],
    );
    const [{ id: batchA }] = await db.query<{ id: string }[]>(
      `INSERT INTO vector_outbox (chunk_id, operation, attempts, next_attempt_at, leased_until)
       VALUES ($1, 'upsert', 1, now() + interval '30 seconds', now() + interval '30 seconds') RETURNING id`,
      [chunkId],
    );
    const readByA = await outbox.loadLive([chunkId]);
    expect(readByA[0].section_title).toBe('v1');

    // ...then the chunk changed again, to v2, while A is still sending v1. Other chunks keep
    // the four lanes busy meanwhile.
    await ctx.get(ChunksService).update(chunkId, { section_title: 'v2' });
    await ingest.ingestBatch(ingestBody(uniqueDocument(), bookChunks(8, DIM), { wait_ms: 10_000 }));
    await new Promise((r) => setTimeout(r, 300));
    const [{ queued }] = await db.query<{ queued: number }[]>(
      `SELECT count(*)::int AS queued FROM vector_outbox WHERE chunk_id = $1 AND id <> $2`,
      [chunkId, batchA],
    );
    // The v2 row waits for A instead of being sent beside it.
    expect(queued).toBe(1);

    // A finally lands v1 and completes.
    await store().upsert(readByA.map(toPoint));
    await outbox.complete([batchA], readByA);

    expect(await ctx.get(OutboxRelay).waitUntilSynced([chunkId], 10_000)).toBe(true);
    expect(await sectionInStore(chunkId)).toBe('v2');
  });

  it('keeps several batches in flight at once and syncs them all', async () => {
    const ingest = ctx.get(IngestService);
    // The first two upserts are held for 8 s: a second one arriving meanwhile was sent while the
    // first was still in flight (one lane would send it only after the first answered).
    double?.inject('upsert_points', { latencyMs: 8_000, times: 2 });
    const before = double?.requests.length ?? 0;
    const pending = ingest.ingestBatch(ingestBody(uniqueDocument(), bookChunks(8, DIM), { wait_ms: 20_000 }));
    if (double) {
      const upserts = () =>
        double!.requests.slice(before).filter((r) => r.operationId === 'upsert_points').length;
      const deadline = Date.now() + 7_500;
      while (upserts() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(upserts()).toBeGreaterThanOrEqual(2);
    }
    const { response, synced } = await pending;
    expect(synced).toBe(true);
    const ids = response.chunks.map((c: { chunk_id: string }) => c.chunk_id);
    expect(await store().retrieve(ids)).toHaveLength(8);
  });
});
