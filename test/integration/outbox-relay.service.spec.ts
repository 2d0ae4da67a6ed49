import { DataSource } from 'typeorm';
import { IngestService } from '../../src/ingestion/ingest.service';
import { OutboxRelay } from '../../src/sync/outbox-relay.service';
import { OutboxRepository } from '../../src/sync/outbox.repository';
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
});
