import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bookChunks, ingestBody, postJson, unitVector } from '../support/ingest';
import {
  dataDirectory,
  freePort,
  postgresProcessesUsing,
  spawnService,
  waitForHttp,
  type ServiceProcess,
} from '../support/service-process';

const DIM = 8;
const WRITERS = 4;
const READERS = 3;
const CHUNKS_PER_INGEST = 600;
/** Bounds on each worker's loop: the service is gone long before a worker reaches them. */
const MAX_INGESTS_PER_WRITER = 15;
const MAX_RETRIEVALS_PER_READER = 300;
/** A request unanswered after this long has hung: shutdown must answer or refuse it. */
const HANG_MS = 15_000;
/** An ingest sent this long before SIGTERM has reached the server: it must be finished, not dropped. */
const IN_FLIGHT_MS = 300;

const ENV = {
  VECTOR_SIZE: String(DIM),
  // No timed flush within the test: every retrieval log row acknowledged before SIGTERM is still
  // in the writer's queue then, so only the shutdown drain can make it durable.
  RETRIEVAL_LOG_FLUSH_MS: '60000',
  RATE_LIMIT_INGEST: '0',
  RATE_LIMIT_RETRIEVE: '0',
  RATE_LIMIT_DEFAULT: '0',
  RATE_LIMIT_ADMIN: '0',
  LOG_LEVEL: 'warn',
};

type Outcome =
  | { kind: 'answered'; status: number; body: any }
  /** Nothing listening any more. */
  | { kind: 'refused' }
  /**
   * A kept-alive connection closed by the server while idle, as the client reused it: the race
   * RFC 9112 §9.3.1 makes every HTTP client handle. The request was never read (checked below:
   * nothing unacknowledged was stored).
   */
  | { kind: 'closed_idle'; code: string }
  /** Anything else: a timeout (hang) or an unexpected failure. */
  | { kind: 'broken'; reason: string };

interface Attempt {
  started: number;
  finished: number;
  outcome: Outcome;
}

/** The exit code, or a note that the process is still running: a hung shutdown fails fast. */
async function exitCode(proc: ServiceProcess, withinMs = 20_000): Promise<number | null | string> {
  // Unref'd: once the process has exited, the pending timer must not keep the test worker alive.
  const timeout = sleep(withinMs, undefined, { ref: false }).then(
    () => `still running ${withinMs} ms after the signal`,
  );
  return Promise.race([proc.exited, timeout]);
}

const acknowledged = (a: Attempt) =>
  a.outcome.kind === 'answered' && a.outcome.status >= 200 && a.outcome.status < 300;

/** One request as a client sees it: an answer, a refused or closed connection, or a failure. */
async function attempt(url: string, body: unknown): Promise<Attempt> {
  const started = Date.now();
  let outcome: Outcome;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(HANG_MS),
    });
    const text = await res.text();
    outcome = { kind: 'answered', status: res.status, body: text ? JSON.parse(text) : undefined };
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED') outcome = { kind: 'refused' };
    else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') outcome = { kind: 'closed_idle', code };
    else
      outcome = { kind: 'broken', reason: `${(error as Error).name}: ${code ?? (error as Error).message}` };
  }
  return { started, finished: Date.now(), outcome };
}

describe('graceful shutdown of the real service (embedded PostgreSQL and vector store)', () => {
  const dataDir = dataDirectory('ragstore-shutdown-');
  const pgdata = join(dataDir, 'postgres', 'pgdata');
  const started: ServiceProcess[] = [];

  async function start(): Promise<{ proc: ServiceProcess; base: string }> {
    const port = await freePort();
    const proc = spawnService({ ...ENV, DATA_DIR: dataDir, PORT: String(port) });
    started.push(proc);
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/health/ready`, 30_000, proc);
    return { proc, base };
  }

  afterAll(async () => {
    // A failed assertion must not leave a service running (a hung one ignores another SIGTERM)...
    for (const proc of started.filter((p) => p.child.exitCode === null && p.child.signalCode === null)) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    // ... nor the PostgreSQL a killed or hung service left behind.
    for (const line of postgresProcessesUsing(pgdata))
      process.kill(Number(line.trim().split(' ')[0]), 'SIGINT');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM under load: finishes what it started, refuses the rest, loses nothing it acknowledged, exits 0 and stops PostgreSQL', async () => {
    const { proc, base } = await start();

    const ingests: (Attempt & { document: string })[] = [];
    const retrievals: Attempt[] = [];
    const ingestSentAt = new Map<number, number>();

    const writer = async (w: number) => {
      for (let i = 0; i < MAX_INGESTS_PER_WRITER; i++) {
        const document = `shutdown-${w}-${i}.pdf`;
        const chunks = bookChunks(CHUNKS_PER_INGEST, DIM, { seed: 1 + w * 100 + i });
        ingestSentAt.set(w, Date.now());
        const result = await attempt(`${base}/v1/ingest`, ingestBody(document, chunks, { wait_ms: 2_000 }));
        ingestSentAt.delete(w);
        ingests.push({ ...result, document });
        if (!acknowledged(result)) return;
      }
    };
    const reader = async (r: number) => {
      for (let i = 0; i < MAX_RETRIEVALS_PER_READER; i++) {
        const query = { query_vector: unitVector(DIM, 7_000 + r * 1_000 + i), top_k: 5 };
        const result = await attempt(`${base}/v1/retrieve`, query);
        retrievals.push(result);
        if (!acknowledged(result)) return;
      }
    };
    const load = Promise.all([
      ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
      ...Array.from({ length: READERS }, (_, r) => reader(r)),
    ]);

    // SIGTERM once both kinds of work have been acknowledged and an ingest is mid-flight.
    for (let i = 0; i < 200; i++) {
      const midFlight = [...ingestSentAt.values()].some((t) => t < Date.now() - IN_FLIGHT_MS);
      if (midFlight && ingests.some(acknowledged) && retrievals.filter(acknowledged).length >= 20) break;
      await sleep(25);
    }
    const sigtermAt = Date.now();
    proc.child.kill('SIGTERM');
    await load;
    expect(await exitCode(proc)).toBe(0);
    expect(postgresProcessesUsing(pgdata)).toEqual([]);

    const everything = [...ingests, ...retrievals];
    expect(everything.filter((a) => a.outcome.kind === 'broken').map((a) => a.outcome)).toEqual([]);
    // Refusals while closing are Fastify's 503, never a 500 from a pool that closed too early.
    const refusedByStatus = everything.filter((a) => a.outcome.kind === 'answered' && !acknowledged(a));
    expect(refusedByStatus.map((a) => (a.outcome as { status: number }).status)).toEqual(
      refusedByStatus.map(() => 503),
    );
    // Requests already being served when the signal came were finished, not dropped.
    const inFlight = ingests.filter((a) => a.started < sigtermAt - IN_FLIGHT_MS && a.finished > sigtermAt);
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.filter((a) => !acknowledged(a)).map((a) => a.outcome)).toEqual([]);

    const ackedIngests = ingests.filter(acknowledged);
    const ackedRetrievals = retrievals.filter(acknowledged);
    expect(new Set(ackedIngests.map((a) => a.document)).size).toBe(ackedIngests.length);
    const ackedChunks = ackedIngests.reduce(
      (sum, a) => sum + (a.outcome as { body: { created: number } }).body.created,
      0,
    );

    // Restarted on the same data: exactly what was acknowledged is there, and both stores agree
    // (chunks still pending at shutdown are synced by the new process's relay).
    const again = await start();
    let report: any;
    for (let i = 0; i < 50; i++) {
      report = (await postJson(`${again.base}/v1/admin/consistency`, undefined, 'GET')).body;
      if (report.consistent) break;
      await sleep(200);
    }
    expect(report).toMatchObject({ consistent: true, postgres: { live: ackedChunks } });

    // Every acknowledged retrieval's log row was written (by the shutdown drain, for most).
    const logStatuses = await Promise.all(
      ackedRetrievals.map(async (a) => {
        const logId = (a.outcome as { body: { log_id: string } }).body.log_id;
        return { logId, status: (await fetch(`${again.base}/v1/logs/${logId}`)).status };
      }),
    );
    expect(logStatuses.filter((l) => l.status !== 200)).toEqual([]);

    again.proc.child.kill('SIGTERM');
    expect(await exitCode(again.proc)).toBe(0);
    expect(postgresProcessesUsing(pgdata)).toEqual([]);
  }, 60_000);
});
