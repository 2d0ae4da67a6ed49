import 'reflect-metadata';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createApp } from '../src/app.factory';
import { resolveDatabaseServer } from '../src/database/database-server';
import type { HttpLoadResult, HttpLoadTask } from './load-worker';
import { summarize } from './stats';

/**
 * `node -r @swc-node/register bench/framework.ts [-- --rounds 5 --requests 20000 --auth required]`:
 * the framework-overhead figure of `npm run bench` on its own, with less noise. GET /health/live
 * on the app as `createApp` builds it (LOG_LEVEL=warn, limits that never trip) against a bare
 * node:http server answering the same body, in alternating rounds so a busy neighbour slows
 * both sides alike; the ratio is of the two medians. `--auth required` measures the production
 * guard path (a public probe under AUTH_MODE=required).
 */

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '10' },
    auth: { type: 'string', default: 'disabled' },
  },
});
const ROUNDS = Number(args.rounds);
const REQUESTS = Number(args.requests);
const CONNECTIONS = Number(args.connections);
const ROUND_MAX_MS = 60_000;

const ownDataDir = process.env.DATA_DIR ? null : mkdtempSync(join(tmpdir(), 'ragstore-framework-'));
// As root, the embedded PostgreSQL runs as `postgres`, which must be able to traverse DATA_DIR.
if (ownDataDir) chmodSync(ownDataDir, 0o711);
Object.assign(process.env, {
  DATA_DIR: process.env.DATA_DIR ?? ownDataDir!,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  AUTH_MODE: args.auth,
  // Any 32 characters: the probe is public, so the key is never presented.
  ...(args.auth === 'required' ? { ADMIN_API_KEY: 'framework-bench-admin-key-0123456789' } : {}),
  RATE_LIMIT_RETRIEVE: '1000000',
  RATE_LIMIT_INGEST: '1000000',
  RATE_LIMIT_DEFAULT: '1000000',
  RATE_LIMIT_ADMIN: '1000000',
});

/**
 * CPU time of the main thread, where both servers run (the client has its own thread): unlike
 * req/s, it hardly moves when a neighbour competes for the cores. Linux's schedstat, in ns.
 */
function mainThreadCpuNs(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
}

function load(worker: Worker, task: HttpLoadTask): Promise<HttpLoadResult> {
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { ok: boolean; result?: HttpLoadResult; error?: string }) =>
      m.ok ? resolve(m.result!) : reject(new Error(m.error)),
    );
    worker.postMessage(task);
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function main(): Promise<void> {
  const server = await resolveDatabaseServer();
  const app = await createApp({ databaseUrl: server.url });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const appUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/health/live`;
  const body = await (await fetch(appUrl)).text();
  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
  });
  const bareUrl = `${await listen(bare)}/`;
  const worker = new Worker(join(__dirname, 'load-worker.ts'));
  const measure = async (url: string) => {
    const cpuBefore = mainThreadCpuNs();
    const result = await load(worker, {
      kind: 'http',
      url,
      method: 'GET',
      connections: CONNECTIONS,
      amount: REQUESTS,
      maxMs: ROUND_MAX_MS,
    });
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    }
    const served = result.latencies.length;
    return {
      rps: served / (result.durationMs / 1000),
      p99: summarize(result.latencies).p99,
      cpuUs: (mainThreadCpuNs() - cpuBefore) / 1000 / served,
    };
  };

  try {
    // JIT warm-up of both servers and the client; not counted.
    await measure(appUrl);
    await measure(bareUrl);
    const nest: number[] = [];
    const node: number[] = [];
    const nestUs: number[] = [];
    const nodeUs: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const n = await measure(bareUrl);
      const a = await measure(appUrl);
      node.push(n.rps);
      nest.push(a.rps);
      nodeUs.push(n.cpuUs);
      nestUs.push(a.cpuUs);
      process.stderr.write(
        `[framework] round ${round}: app ${Math.round(a.rps)} req/s (p99 ${a.p99} ms, ${a.cpuUs.toFixed(1)} µs), ` +
          `bare ${Math.round(n.rps)} req/s (p99 ${n.p99} ms, ${n.cpuUs.toFixed(1)} µs), ratio ${(a.rps / n.rps).toFixed(2)}\n`,
      );
    }
    const median = (values: number[]) => summarize(values).p50;
    process.stdout.write(
      `GET /health/live c=${CONNECTIONS}, AUTH_MODE=${args.auth}, ${ROUNDS} rounds × ${REQUESTS}: ` +
        `app ${Math.round(median(nest))} req/s, bare node:http ${Math.round(median(node))} req/s, ` +
        `ratio ${(median(nest) / median(node)).toFixed(2)}×; main-thread CPU per request: ` +
        `app ${median(nestUs).toFixed(1)} µs, bare ${median(nodeUs).toFixed(1)} µs\n`,
    );
  } finally {
    await worker.terminate();
    await new Promise((r) => bare.close(r));
    await app.close();
    await server.embedded?.stop();
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
