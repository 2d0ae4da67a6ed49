import 'reflect-metadata';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Pool } from 'pg';
import { createApp } from '../src/app.factory';
import { resolveDatabaseServer } from '../src/database/database-server';
import { LocalVectorStore } from '../src/vectors/local/local-vector-store';
import { VectorStore } from '../src/vectors/vector-store';
import { chunkAt, queryText, queryVectorAt, selectionFrom, vectorJson } from './corpus';
import { startFloorServer } from './floor';
import type { HttpLoadResult, HttpLoadTask, IngestResult, IngestTask } from './load-worker';
import { summarize } from './stats';

/**
 * `node -r @swc-node/register bench/retrieval-cpu.ts [--chunks 10000 --mode vector|hybrid|selected_text --connections 10
 * --rounds 3 --requests 2000 --profile /tmp/retrieve.cpuprofile]`: the retrieval figure of
 * `npm run bench` on its own, as CPU per request. POST /v1/retrieve on the app as `createApp`
 * builds it, against a floor in the same process: a bare `node:http` server that parses the same
 * body, runs the same `VectorStore.search` (top_k + 5) and one raw `pg` `ANY($1)` lookup, and
 * answers the rows as JSON. Rounds alternate, so a busy neighbour slows both alike. Besides req/s
 * it reports CPU per request (Linux schedstat), which hardly moves under contention: the main
 * thread's, the process's other threads' (the HNSW worker, GC helpers; not the load client's
 * thread) and PostgreSQL's. `--profile` writes a
 * V8 CPU profile of the main thread during one extra round of the app (and of the floor, to
 * `FILE.floor`).
 */

const { values: args } = parseArgs({
  options: {
    chunks: { type: 'string', default: '10000' },
    mode: { type: 'string', default: 'vector' },
    connections: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    profile: { type: 'string' },
  },
});
const CHUNKS = Number(args.chunks);
const MODE = args.mode as 'vector' | 'hybrid' | 'selected_text';
const CONNECTIONS = Number(args.connections);
const ROUNDS = Number(args.rounds);
const REQUESTS = Number(args.requests);
const SEED = Number(args.seed);
const TOP_K = 10;
const QUERIES = 200;
const ROUND_MAX_MS = 60_000;

const ownDataDir = process.env.DATA_DIR ? null : mkdtempSync(join(tmpdir(), 'ragstore-retrieval-cpu-'));
if (ownDataDir) chmodSync(ownDataDir, 0o711);
Object.assign(process.env, {
  DATA_DIR: process.env.DATA_DIR ?? ownDataDir!,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  VECTOR_SIZE: process.env.VECTOR_SIZE ?? '1024',
  AUTH_MODE: 'disabled',
  RATE_LIMIT_RETRIEVE: '1000000',
  RATE_LIMIT_INGEST: '1000000',
  RATE_LIMIT_DEFAULT: '1000000',
  RATE_LIMIT_ADMIN: '1000000',
});
const DIM = Number(process.env.VECTOR_SIZE);
const RUN = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');

/** CPU time of the main thread, in ns (Linux schedstat). */
function mainThreadCpuNs(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
}

/**
 * CPU time (ns) of this process's other threads — the HNSW worker, libuv's pool, V8's GC and
 * compiler helpers — leaving out the main thread and the load client's thread `clientTid`.
 */
function otherThreadsCpuNs(clientTid: number): number {
  let total = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    if (Number(tid) === process.pid || Number(tid) === clientTid) continue;
    try {
      total += Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return total;
}

function run(worker: Worker, task: HttpLoadTask): Promise<HttpLoadResult>;
function run(worker: Worker, task: IngestTask): Promise<IngestResult>;
function run(worker: Worker, task: HttpLoadTask | IngestTask): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { ok: boolean; result?: unknown; error?: string }) =>
      m.ok ? resolve(m.result) : reject(new Error(m.error)),
    );
    worker.postMessage(task);
  });
}

/**
 * CPU time (ns) of every process of the PostgreSQL server that `backendPid` belongs to (the
 * postmaster's children: backends, WAL writer, checkpointer...), when it runs on this machine.
 */
function postgresCpuNs(postmaster: number | null): number {
  if (postmaster === null) return 0;
  const tick = 1e9 / 100; // USER_HZ
  let total = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[1] is ppid; [11], [12] are utime and stime (stat fields 4, 14 and 15).
      if (Number(fields[1]) === postmaster || Number(name) === postmaster)
        total += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

function postmasterOf(backendPid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${backendPid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function urlOf(server: Server, path: string): string {
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${path}`;
}

async function main(): Promise<void> {
  const log = (message: string) => process.stderr.write(`[retrieval-cpu] ${message}\n`);
  const database = await resolveDatabaseServer();
  const app = await createApp({ databaseUrl: database.url });
  await app.listen(0, '127.0.0.1');
  const appUrl = urlOf(app.getHttpServer(), '/v1/retrieve');
  const store = app.get(VectorStore);
  const pool = new Pool({ connectionString: database.url, max: 10 });
  const worker = new Worker(join(__dirname, 'load-worker.ts'));
  try {
    log(`seeding ${CHUNKS} chunks through POST /v1/ingest`);
    const ingest = await run(worker, {
      kind: 'ingest',
      baseUrl: appUrl.replace('/v1/retrieve', ''),
      run: RUN,
      chunks: CHUNKS,
      batchSize: 500,
      dimension: DIM,
      seed: SEED,
      concurrency: 2,
      maxMs: 600_000,
    });
    if (ingest.failures.length > 0) throw new Error(`ingest failed: ${ingest.failures[0]}`);
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM chunks WHERE sync_status = 'synced'`,
      );
      if (rows[0].n >= CHUNKS) break;
      await sleep(50);
    }
    const queryVectors = Array.from({ length: QUERIES }, (_, q) => queryVectorAt(DIM, SEED, q));
    if (store instanceof LocalVectorStore) {
      await store.search({ vector: queryVectors[0], limit: TOP_K });
      while (store.annStatus().state === 'building' || store.annStatus().pending_writes > 0) await sleep(50);
      log(`approximate index: ${store.annStatus().state}`);
    }
    // The floor answers vector searches; the app gets the mode's own body, as `npm run bench` sends it.
    const vectorBodies = queryVectors.map(
      (v) => `{"mode":"vector","top_k":${TOP_K},"query_vector":${vectorJson(v)}}`,
    );
    const modeBodies = queryVectors.map((_, q) =>
      JSON.stringify({
        mode: MODE,
        top_k: TOP_K,
        query: queryText(q, SEED),
        ...(MODE === 'selected_text'
          ? { selected_text: selectionFrom(chunkAt((q * 7_919) % CHUNKS, DIM, SEED), q) }
          : {}),
      }),
    );

    const { server: floor, url: floorUrl } = await startFloorServer(store, pool);
    const targets = [
      { name: 'floor (node:http)', url: floorUrl, bodies: vectorBodies },
      { name: `ragstore ${MODE}`, url: appUrl, bodies: MODE === 'vector' ? vectorBodies : modeBodies },
    ];
    const { rows: backend } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const postmaster = postmasterOf(backend[0].pid);
    let clientTid = 0;
    const measure = async ({ url, bodies }: (typeof targets)[number], amount = REQUESTS) => {
      const cpuBefore = mainThreadCpuNs();
      const othersBefore = otherThreadsCpuNs(clientTid);
      const pgBefore = postgresCpuNs(postmaster);
      const result = await run(worker, {
        kind: 'http',
        url,
        method: 'POST',
        bodies,
        connections: CONNECTIONS,
        amount,
        maxMs: ROUND_MAX_MS,
      });
      if (result.non2xx > 0 || result.errors > 0)
        throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      const served = result.latencies.length;
      // The first round only tells which thread is the client's; its figures are a warm-up.
      const othersUs =
        clientTid === result.tid ? (otherThreadsCpuNs(clientTid) - othersBefore) / 1000 / served : NaN;
      clientTid = result.tid;
      return {
        rps: served / (result.durationMs / 1000),
        p50: summarize(result.latencies).p50,
        cpuUs: (mainThreadCpuNs() - cpuBefore) / 1000 / served,
        othersUs,
        pgUs: (postgresCpuNs(postmaster) - pgBefore) / 1000 / served,
      };
    };
    for (const target of targets) await measure(target, Math.min(REQUESTS, 500));
    const rps = targets.map(() => [] as number[]);
    const cpu = targets.map(() => [] as number[]);
    const pgCpu = targets.map(() => [] as number[]);
    const otherCpu = targets.map(() => [] as number[]);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [i, target] of targets.entries()) {
        const m = await measure(target);
        rps[i].push(m.rps);
        cpu[i].push(m.cpuUs);
        pgCpu[i].push(m.pgUs);
        otherCpu[i].push(m.othersUs);
        log(
          `round ${round}, ${target.name}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, ` +
            `${m.cpuUs.toFixed(0)} µs main-thread CPU, ${m.othersUs.toFixed(0)} µs other threads, ` +
            `${m.pgUs.toFixed(0)} µs PostgreSQL CPU`,
        );
      }
    }
    const median = (values: number[]) => summarize(values).p50;
    process.stdout.write(
      `POST /v1/retrieve ${MODE} c=${CONNECTIONS}, ${CHUNKS} chunks × ${DIM}, ${store.kind} store, ` +
        `${ROUNDS} rounds × ${REQUESTS} (medians)\n`,
    );
    for (const [i, target] of targets.entries()) {
      process.stdout.write(
        `  ${target.name.padEnd(20)} ${String(Math.round(median(rps[i]))).padStart(6)} req/s ` +
          `(${(median(rps[i]) / median(rps[0])).toFixed(2)}×)  ` +
          `${median(cpu[i]).toFixed(0).padStart(6)} µs main-thread CPU per request ` +
          `(${(median(cpu[i]) / median(cpu[0])).toFixed(2)}× the floor's), ` +
          `${median(otherCpu[i]).toFixed(0).padStart(5)} µs other threads (HNSW worker, GC), ` +
          `${median(pgCpu[i]).toFixed(0).padStart(5)} µs PostgreSQL CPU\n`,
      );
    }
    if (args.profile) {
      const session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      for (const [i, target] of targets.entries()) {
        await session.post('Profiler.start');
        await measure(target);
        const { profile } = await session.post('Profiler.stop');
        const file = i === 0 ? `${args.profile}.floor` : args.profile;
        writeFileSync(file, JSON.stringify(profile));
        log(`profile of one round of ${target.name}: ${file}`);
      }
      session.disconnect();
    }
    await new Promise((r) => floor.close(r));
  } finally {
    await worker.terminate();
    await pool.end();
    await app.close();
    await database.embedded?.stop();
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
