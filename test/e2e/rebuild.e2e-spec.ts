import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { RebuildFailed, RebuildService } from '../../src/sync/rebuild.service';
import { VectorStore } from '../../src/vectors/vector-store';
import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';
import { startTestApp, type TestApp } from '../support/app';
import { bookChunks, ingestBody, postJson, uniqueDocument, unitVector } from '../support/ingest';

const DIM = 8;
const ENV = {
  VECTOR_SIZE: String(DIM),
  OUTBOX_POLL_MS: '100',
  OUTBOX_BACKOFF_BASE_MS: '20',
  OUTBOX_BACKOFF_MAX_MS: '100',
};
const PHYSICAL = /^book_embeddings_\d{17}$/;

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const consistency = async (t: TestApp) =>
  (await fetch(`${t.baseUrl}/v1/admin/consistency`)).json() as Promise<{
    consistent: boolean;
    postgres: { live: number };
    vector_store: { points: number };
  }>;

async function ingest(t: TestApp, count: number, seed: number, dim = DIM) {
  const res = await postJson(
    `${t.baseUrl}/v1/ingest`,
    ingestBody(uniqueDocument(), bookChunks(count, dim, { seed })),
  );
  expect([201, 202]).toContain(res.status);
  return res.body as { chunks: { chunk_id: string }[] };
}

/** Searches the running app until `stop` resolves; every answer's status, in order. */
async function searchUntil(t: TestApp, stop: Promise<unknown>): Promise<number[]> {
  const statuses: number[] = [];
  let done = false;
  void stop.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    const res = await postJson(`${t.baseUrl}/v1/retrieve`, {
      query_vector: unitVector(DIM, statuses.length),
      top_k: 3,
    });
    statuses.push(res.status);
  }
  return statuses;
}

describe.each([
  ['the embedded store', false],
  ['Qdrant (test double)', true],
])('vectors:rebuild on %s', (_, useQdrant) => {
  let double: QdrantDouble | undefined;
  let t: TestApp;
  let store: VectorStore;
  let rebuilds: RebuildService;

  beforeAll(async () => {
    double = useQdrant ? await startQdrantDouble() : undefined;
    t = await startTestApp({ env: { ...ENV, ...(double ? { QDRANT_URL: double.url } : {}) } });
    store = t.app.get(VectorStore);
    rebuilds = t.app.get(RebuildService);
  });
  afterAll(async () => {
    await t?.close();
    await double?.close();
  });
  afterEach(() => double?.clearFaults());

  it('rebuilds into a new collection behind the alias while searches keep answering and writes keep landing', async () => {
    await ingest(t, 40, 1);
    const before = await store.servingCollection();
    expect(before).toBe('book_embeddings');
    // Slow upserts stretch the rebuild so searches and an ingest overlap it.
    double?.inject('upsert_points', { latencyMs: 150 });

    const rebuild = rebuilds.rebuild();
    const [statuses, during] = await Promise.all([
      searchUntil(t, rebuild),
      (async () => {
        await new Promise((r) => setTimeout(r, 100));
        return ingest(t, 5, 2);
      })(),
    ]);
    const report = await rebuild;
    double?.clearFaults();

    // How many searches overlap depends on the machine's speed; every one of them must succeed.
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(report.collection).toMatch(PHYSICAL);
    expect(report.previous).toBe('book_embeddings');
    expect(await store.servingCollection()).toBe(report.collection);
    expect((await store.listCollections()).map((c) => c.name)).toEqual([report.collection]);

    // The chunks ingested during the rebuild are in the new collection too.
    const found = await store.retrieve(during.chunks.map((c) => c.chunk_id));
    expect(found).toHaveLength(5);
    const report2 = await eventually(
      () => consistency(t),
      (r) => r.consistent,
    );
    expect(report2).toMatchObject({ consistent: true, postgres: { live: 45 }, vector_store: { points: 45 } });
    expect(await store.count()).toBe(45);
  }, 30_000);

  it('rebuilds again from one physical collection to the next, dropping the old one unless kept', async () => {
    const first = await store.servingCollection();
    const kept = await rebuilds.rebuild({ keepOld: true });
    expect(kept.dropped).toEqual([]);
    expect((await store.listCollections()).map((c) => c.name)).toEqual([first, kept.collection]);
    const next = await rebuilds.rebuild();
    expect(next.dropped).toEqual([first, kept.collection]);
    expect(await store.servingCollection()).toBe(next.collection);
    expect((await consistency(t)).consistent).toBe(true);
  }, 20_000);
});

describe('vectors:rebuild failures and size changes (Qdrant test double)', () => {
  let double: QdrantDouble;
  let t: TestApp;

  beforeAll(async () => {
    double = await startQdrantDouble();
  });
  afterAll(async () => {
    await t?.close();
    await double?.close();
  });

  it('leaves the old collection serving when the rebuild fails midway, and drops the half-built one', async () => {
    t = await startTestApp({ env: { ...ENV, QDRANT_URL: double.url, QDRANT_UPSERT_BATCH_SIZE: '10' } });
    const rebuilds = t.app.get(RebuildService);
    const store = t.app.get(VectorStore);
    await ingest(t, 60, 3);
    const copyUpserts = () =>
      double.requests.filter((r) => r.operationId === 'upsert_points' && PHYSICAL.test(r.path.split('/')[2]));
    // The copy sends 10 points a request, 200 ms each; once three have gone, Qdrant fails the rest.
    double.inject('upsert_points', { latencyMs: 200 });
    const flip = setInterval(() => {
      if (copyUpserts().length < 3) return;
      double.inject('upsert_points', { status: 500, message: 'disk full' });
      clearInterval(flip);
    }, 10);
    const failure = await rebuilds.rebuild().catch((e: unknown) => e as Error);
    clearInterval(flip);
    double.clearFaults();
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('disk full');
    expect(copyUpserts().length).toBeGreaterThan(2);

    expect(await store.servingCollection()).toBe('book_embeddings');
    expect((await store.listCollections()).map((c) => c.name)).toEqual(['book_embeddings']);
    const res = await postJson(`${t.baseUrl}/v1/retrieve`, { query_vector: unitVector(DIM, 1), top_k: 3 });
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(3);
    expect((await consistency(t)).consistent).toBe(true);
  });

  it('refuses a VECTOR_SIZE the stored embeddings do not have, naming both sizes, and changes nothing', async () => {
    const other = await startTestApp({
      databaseUrl: t.db.url,
      env: {
        ...ENV,
        VECTOR_SIZE: '16',
        QDRANT_URL: double.url,
        QDRANT_ON_MISMATCH: 'warn',
        OUTBOX_RELAY_ENABLED: 'false',
      },
    });
    try {
      const failure = await other.app
        .get(RebuildService)
        .rebuild()
        .then(
          () => null,
          (e: unknown) => e as Error,
        );
      expect(failure).toBeInstanceOf(RebuildFailed);
      expect(failure?.message).toMatch(/VECTOR_SIZE is 16 .*60 with 8 dimensions/);
    } finally {
      await other.close();
    }
    expect(await t.app.get(VectorStore).servingCollection()).toBe('book_embeddings');
  });

  it('moves to a new VECTOR_SIZE when the stored embeddings already have it (the collection had the wrong size)', async () => {
    await t.close();
    // A collection created with the wrong size: the service starts only with QDRANT_ON_MISMATCH=warn,
    // and the relay cannot write into it.
    await fetch(`${double.url}/collections/book_embeddings`, { method: 'DELETE' });
    await fetch(`${double.url}/collections/book_embeddings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vectors: { size: 4, distance: 'Cosine' } }),
    });
    t = await startTestApp({ env: { ...ENV, QDRANT_URL: double.url, QDRANT_ON_MISMATCH: 'warn' } });
    const res = await postJson(
      `${t.baseUrl}/v1/ingest`,
      ingestBody(uniqueDocument(), bookChunks(12, DIM), { wait_ms: 200 }),
    );
    expect(res.status).toBe(202);

    const report = await t.app.get(RebuildService).rebuild();
    expect(report).toMatchObject({ vector_size: DIM, points: 12, embedding_model: 'test-embedding-64' });
    const info = await t.app.get(VectorStore).collectionInfo();
    expect(info).toMatchObject({ name: 'book_embeddings', vector_size: DIM, points_count: 12 });
    const search = await postJson(`${t.baseUrl}/v1/retrieve`, { query_vector: unitVector(DIM, 5), top_k: 3 });
    expect(search.status).toBe(200);
    expect(
      (
        await eventually(
          () => consistency(t),
          (r) => r.consistent,
        )
      ).consistent,
    ).toBe(true);
  }, 20_000);

  it('runs as `npm run vectors:rebuild`: prints progress and a summary, exits 0, and the service follows the alias', async () => {
    const cli = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, '..', '..', 'src', 'cli', 'rebuild.ts')],
      {
        cwd: join(__dirname, '..', '..'),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...ENV,
          DATABASE_URL: t.db.url,
          QDRANT_URL: double.url,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    cli.stdout.on('data', (d: Buffer) => (output += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
    expect(output).toContain('Copied 12/12 chunks');
    expect(output).toMatch(
      /Rebuilt book_embeddings: now book_embeddings_\d{17} \(was book_embeddings_\d{17}\), 12 points of size 8/,
    );
    expect(code).toBe(0);
    const serving = await t.app.get(VectorStore).servingCollection();
    expect(output).toContain(`now ${serving}`);
    expect((await consistency(t)).consistent).toBe(true);
  }, 30_000);
});

describe('vectors:rebuild safety: one at a time, and the truth after a failed or late alias switch (Qdrant test double)', () => {
  let double: QdrantDouble;
  let t: TestApp;
  let store: VectorStore;
  let rebuilds: RebuildService;
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (e: unknown) => e as Error,
    );
  const retrieveOk = async () => {
    const res = await postJson(`${t.baseUrl}/v1/retrieve`, { query_vector: unitVector(DIM, 2), top_k: 3 });
    return res.status === 200 && (res.body.results as unknown[]).length === 3;
  };

  beforeAll(async () => {
    double = await startQdrantDouble();
    t = await startTestApp({ env: { ...ENV, QDRANT_URL: double.url, QDRANT_TIMEOUT_MS: '1000' } });
    store = t.app.get(VectorStore);
    rebuilds = t.app.get(RebuildService);
    await ingest(t, 20, 7);
    await eventually(
      () => consistency(t),
      (r) => r.consistent,
    );
  });
  afterAll(async () => {
    await t?.close();
    await double?.close();
  });
  afterEach(() => double.clearFaults());

  it('on the first rebuild from a plain collection, an alias creation that fails after the plain one is deleted is retried, never leaving nothing to serve', async () => {
    expect(await store.servingCollection()).toBe('book_embeddings');
    double.inject('update_aliases', { status: 500, message: 'Service internal error: consensus', times: 1 });
    const report = await rebuilds.rebuild();
    expect(await store.servingCollection()).toBe(report.collection);
    expect(await retrieveOk()).toBe(true);
  }, 20_000);

  it('runs one rebuild at a time: a second started meanwhile is refused, naming the one running, and creates nothing', async () => {
    double.inject('upsert_points', { latencyMs: 100 });
    const before = (await store.listCollections()).map((c) => c.name);
    const [a, b] = await Promise.allSettled([
      rebuilds.rebuild({ keepOld: true }),
      rebuilds.rebuild({ keepOld: true }),
    ]);
    double.clearFaults();
    const won = [a, b].filter((r) => r.status === 'fulfilled');
    const refused = [a, b].filter((r) => r.status === 'rejected').map((r) => r.reason as Error);
    expect(won).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(RebuildFailed);
    expect(refused[0].message).toMatch(
      /^Refusing to rebuild: another rebuild of book_embeddings is running \(building book_embeddings_\d{17} since .*\); nothing was changed/,
    );
    const winner = (won[0] as PromiseFulfilledResult<{ collection: string }>).value.collection;
    expect((await store.listCollections()).map((c) => c.name)).toEqual([...before, winner].sort());
    // The lease is released at the end: the next rebuild runs.
    await expect(rebuilds.rebuild()).resolves.toMatchObject({ previous: winner });
  }, 30_000);

  it('when the alias switch fails, searches stay on the previous collection and the error says so', async () => {
    const previous = await store.servingCollection();
    double.inject('update_aliases', { status: 500, message: 'Service internal error: disk full' });
    const error = await failure(rebuilds.rebuild());
    double.clearFaults();
    expect(error).toBeInstanceOf(RebuildFailed);
    const [, built] =
      /^Switching book_embeddings to (book_embeddings_\d{17}) failed \(.*disk full\)\. /.exec(
        error!.message,
      ) ?? [];
    expect(built).toBeDefined();
    expect(error!.message).toContain(`book_embeddings still serves ${previous}. ${built} is kept, unaliased`);
    expect(await store.servingCollection()).toBe(previous);
    expect(await retrieveOk()).toBe(true);
    // Kept for a late switch, then dropped by the next rebuild.
    expect((await store.listCollections()).map((c) => c.name)).toContain(built);
    expect((await rebuilds.rebuild()).dropped).toContain(built);
  }, 30_000);

  it('when the alias switch times out but is applied afterwards, it reads the alias back and reports the switch', async () => {
    const progress: string[] = [];
    // Applied, then answered only after the client's 1 s timeout: Qdrant Cloud waiting for consensus.
    double.inject('update_aliases', { afterApply: true, latencyMs: 1_500, times: 1 });
    const report = await rebuilds.rebuild({ onProgress: (m) => progress.push(m) });
    expect(await store.servingCollection()).toBe(report.collection);
    expect(
      progress.some((m) => /answered ".*", but book_embeddings points at .*: it was applied/.test(m)),
    ).toBe(true);
    expect(await retrieveOk()).toBe(true);
  }, 30_000);
});
