import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { HashingEmbeddingProvider } from '../../src/embeddings/hashing-embedding.provider';
import { RetrievalLogWriter } from '../../src/retrieval/retrieval-log.writer';
import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/app';
import { ingestBody, postJson, uniqueDocument, unitVector } from '../support/ingest';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { waitForLogRow } from '../support/retrieval-logs';
import { TcpProxy } from '../support/tcp-proxy';

const DIM = 16;
const chunks = Array.from({ length: 3 }, (_, i) => ({
  chunk_text: `Fault-test paragraph ${i} about gyroscopes.`,
  embedding: unitVector(DIM, 40 + i),
}));

async function ingestInto(t: TestApp): Promise<void> {
  const res = await postJson(
    `${t.baseUrl}/v1/ingest`,
    ingestBody(uniqueDocument(), chunks, { embedding_model: new HashingEmbeddingProvider(DIM).model }),
  );
  expect(res.status).toBe(201);
}

describe('retrieval when PostgreSQL is down', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const url = new URL(db.url);
    proxy = await TcpProxy.start(url.hostname, Number(url.port));
    url.port = String(proxy.port);
    t = await startTestApp({
      databaseUrl: url.toString(),
      env: { VECTOR_SIZE: String(DIM), DB_CONNECTION_TIMEOUT_MS: '1000' },
    });
    await ingestInto(t);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('answers 503 DATABASE_UNAVAILABLE instead of serving text Postgres has not confirmed', async () => {
    const ok = await postJson(`${t.baseUrl}/v1/retrieve`, { query_vector: chunks[0].embedding });
    expect(ok.status).toBe(200);
    expect(ok.body.results[0].chunk_text).toBe(chunks[0].chunk_text);
    // Let its log row land first: shutdown would otherwise spend its drain budget retrying it.
    await waitForLogRow(db.url, ok.body.log_id);

    await proxy.close();
    for (const mode of ['vector', 'hybrid'] as const) {
      const res = await postJson(`${t.baseUrl}/v1/retrieve`, {
        ...(mode === 'vector' ? { query_vector: chunks[0].embedding } : { query: 'gyroscopes' }),
        mode,
      });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        code: 'DATABASE_UNAVAILABLE',
        message: expect.stringMatching(/never served/),
      });
      expect(res.body.results).toBeUndefined();
    }
  });
});

describe('a retrieval past RETRIEVAL_STATEMENT_TIMEOUT_MS', () => {
  let db: TestDatabase;
  let t: TestApp;
  let locker: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      databaseUrl: db.url,
      env: { VECTOR_SIZE: String(DIM), RETRIEVAL_STATEMENT_TIMEOUT_MS: '300' },
    });
    await ingestInto(t);
    locker = new Client({ connectionString: db.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await t?.close();
    await db?.drop();
  });

  it('is cancelled on the server and answers 503 DATABASE_TIMEOUT, and the next retrieval is served', async () => {
    // Every read of chunks waits behind this lock: each retrieval's one statement runs until it
    // is stopped (through a transaction-mode PgBouncer too: CI's third run).
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE chunks IN ACCESS EXCLUSIVE MODE');
    try {
      const requests = [
        { query_vector: chunks[0].embedding, mode: 'vector' },
        { query: 'gyroscopes', mode: 'hybrid' },
        { selected_text: chunks[1].chunk_text, query_vector: chunks[1].embedding, mode: 'selected_text' },
      ];
      for (const request of requests) {
        const res = await postJson(`${t.baseUrl}/v1/retrieve`, request);
        expect({ mode: request.mode, status: res.status, code: res.body.code }).toEqual({
          mode: request.mode,
          status: 503,
          code: 'DATABASE_TIMEOUT',
        });
        expect(res.body.message).toMatch(/time limit/);
        expect(res.body.results).toBeUndefined();
      }
      // Cancelled, not abandoned: no statement of the app's is still waiting for the lock. A 503
      // leaves when the server has stopped the statement, or at CANCEL_GRACE_MS if the cancel is
      // slower (a PgBouncer forwards it on a new server connection, which can wait for a busy
      // pool); it lands all the same, so allow it a few seconds, far less than the lock is held.
      const waitingForLock = async () =>
        (
          await locker.query<{ query: string }>(
            `SELECT query FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
          )
        ).rows.map((r) => r.query);
      const deadline = Date.now() + 10_000;
      while ((await waitingForLock()).length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(await waitingForLock()).toEqual([]);
    } finally {
      await locker.query('ROLLBACK');
    }
    const ok = await postJson(`${t.baseUrl}/v1/retrieve`, { query_vector: chunks[0].embedding });
    expect(ok.status).toBe(200);
    expect(ok.body.results[0].chunk_text).toBe(chunks[0].chunk_text);
  });
});

describe('the retrieval log queue', () => {
  let t: TestApp;
  let pg: Client;
  let closed = false;

  beforeAll(async () => {
    // A timer that never fires during the test: only a full queue or shutdown writes rows.
    t = await startTestApp({
      env: {
        VECTOR_SIZE: String(DIM),
        RETRIEVAL_LOG_QUEUE_SIZE: '2',
        RETRIEVAL_LOG_BATCH_SIZE: '1000',
        RETRIEVAL_LOG_FLUSH_MS: '60000',
      },
    });
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    await ingestInto(t);
  });
  afterAll(async () => {
    if (closed) return;
    await pg?.end();
    await t?.close();
  });

  const retrieve = () => postJson(`${t.baseUrl}/v1/retrieve`, { query_vector: chunks[1].embedding });
  const logged = async (ids: string[]) =>
    Number((await pg.query(`SELECT count(*) FROM logs WHERE log_id = ANY($1::uuid[])`, [ids])).rows[0].count);

  it('makes requests wait for space when full, and loses nothing', async () => {
    // Hold the logs table so the writer's INSERT blocks: the queue cannot drain.
    const blocker = new Client({ connectionString: t.db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE logs IN ACCESS EXCLUSIVE MODE');
    try {
      const first = await retrieve();
      const second = await retrieve();
      expect([first.status, second.status]).toEqual([200, 200]);
      let thirdDone = false;
      const third = retrieve().then((res) => {
        thirdDone = true;
        return res;
      });
      await new Promise((r) => setTimeout(r, 500));
      expect(thirdDone).toBe(false);

      await blocker.query('COMMIT');
      const res = await third;
      expect(res.status).toBe(200);
      const deadline = Date.now() + 2_000;
      while ((await logged([first.body.log_id, second.body.log_id])) < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await logged([first.body.log_id, second.body.log_id])).toBe(2);
    } finally {
      await blocker.end();
    }
  });

  it('writes the queued rows when the app shuts down', async () => {
    const before = await retrieve();
    expect(before.status).toBe(200);
    const ids = [before.body.log_id];
    // The third request above and this one are queued; the flush timer is a minute away.
    expect(await logged(ids)).toBe(0);
    closed = true;
    await t.app.close();
    try {
      expect(await logged(ids)).toBe(1);
    } finally {
      await pg.end();
      await t.db.drop();
      rmSync(t.dataDir, { recursive: true, force: true });
    }
  });
});

describe('the retrieval log queue, bounded by bytes', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Room for two rows of ~27 KB (a selected_text retrieval's size) by bytes, a thousand by rows.
    t = await startTestApp({
      env: {
        VECTOR_SIZE: String(DIM),
        RETRIEVAL_LOG_QUEUE_SIZE: '1000',
        RETRIEVAL_LOG_QUEUE_BYTES: '65536',
        RETRIEVAL_LOG_BATCH_SIZE: '1000',
        RETRIEVAL_LOG_FLUSH_MS: '60000',
      },
    });
  });
  afterAll(() => t?.close());

  it('makes the next request wait once the queued rows reach the byte limit, and loses nothing', async () => {
    const writer = t.app.get(RetrievalLogWriter);
    const trace = () => ({
      row: { log_id: randomUUID(), user_query: 'q'.repeat(27_000), retrieval_mode: 'selected_text' as const },
      repairs: [],
    });
    const traces = [trace(), trace(), trace()];
    const blocker = new Client({ connectionString: t.db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE logs IN ACCESS EXCLUSIVE MODE');
    try {
      await writer.enqueue(traces[0]);
      await writer.enqueue(traces[1]);
      let thirdQueued = false;
      const third = writer.enqueue(traces[2]).then(() => (thirdQueued = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(thirdQueued).toBe(false);
      expect(writer.pendingBytes).toBeLessThanOrEqual(65_536);
      await blocker.query('COMMIT');
      await third;
    } finally {
      await blocker.end();
    }
    const ids = traces.map((queued) => queued.row.log_id);
    const pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    try {
      const deadline = Date.now() + 5_000;
      const count = async () =>
        Number(
          (await pg.query(`SELECT count(*) FROM logs WHERE log_id = ANY($1::uuid[])`, [ids])).rows[0].count,
        );
      // The flush that made room writes the third row right after the first two.
      while ((await count()) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await count()).toBe(3);
    } finally {
      await pg.end();
    }
  });
});
