import 'reflect-metadata';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Controller, Get, Header, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../src/app.factory';
import { resolveDatabaseServer } from '../src/database/database-server';
import type { HttpLoadResult, HttpLoadTask } from './load-worker';
import { summarize } from './stats';

/**
 * `node -r @swc-node/register bench/framework.ts [--rounds 5 --requests 20000 --auth required]`:
 * the framework-overhead figure of `npm run bench` on its own, with less noise. GET /health/live
 * on the app as `createApp` builds it (LOG_LEVEL=warn, limits that never trip), on Nest with
 * Fastify alone, and on a bare node:http server answering the same body, in alternating rounds so
 * a busy neighbour slows them alike; ratios are of the medians. `--auth required` measures the
 * production guard path (a public probe under AUTH_MODE=required).
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
 * CPU time of the main thread, where the servers run (the client has its own thread): unlike
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

/** The probe's body, set once the app has answered it. */
const liveBody = { json: '' };

/** "Nest on Fastify alone": the same body from one controller, no guard, hook or module of ours. */
@Controller()
class LiveController {
  @Get('health/live')
  @Header('content-type', 'application/json; charset=utf-8')
  live(): string {
    return liveBody.json;
  }
}

@Module({ controllers: [LiveController] })
class AloneModule {}

function urlOf(server: Server, path: string): string {
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${path}`;
}

async function main(): Promise<void> {
  const database = await resolveDatabaseServer();
  // Before the app: NestFactory's `logger: false` is process-wide until the app installs its own.
  const alone = await NestFactory.create<NestFastifyApplication>(AloneModule, new FastifyAdapter(), {
    logger: false,
  });
  await alone.listen(0, '127.0.0.1');
  const app = await createApp({ databaseUrl: database.url });
  await app.listen(0, '127.0.0.1');
  const appUrl = urlOf(app.getHttpServer(), '/health/live');
  const body = await (await fetch(appUrl)).text();
  liveBody.json = body;
  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const targets = [
    { name: 'bare node:http', url: urlOf(bare, '/') },
    { name: 'Nest on Fastify alone', url: urlOf(alone.getHttpServer(), '/health/live') },
    { name: 'ragstore app', url: appUrl },
  ];
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
    // JIT warm-up of the servers and the client; not counted.
    for (const target of targets) await measure(target.url);
    const rps = targets.map(() => [] as number[]);
    const cpuUs = targets.map(() => [] as number[]);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [i, target] of targets.entries()) {
        const m = await measure(target.url);
        rps[i].push(m.rps);
        cpuUs[i].push(m.cpuUs);
        process.stderr.write(
          `[framework] round ${round}, ${target.name}: ${Math.round(m.rps)} req/s, p99 ${m.p99} ms, ${m.cpuUs.toFixed(1)} µs CPU\n`,
        );
      }
    }
    const median = (values: number[]) => summarize(values).p50;
    process.stdout.write(
      `GET /health/live c=${CONNECTIONS}, AUTH_MODE=${args.auth}, ${ROUNDS} rounds × ${REQUESTS} (medians)\n`,
    );
    for (const [i, target] of targets.entries()) {
      process.stdout.write(
        `  ${target.name.padEnd(22)} ${String(Math.round(median(rps[i]))).padStart(6)} req/s ` +
          `(${(median(rps[i]) / median(rps[0])).toFixed(2)}×)  ` +
          `${median(cpuUs[i]).toFixed(1).padStart(6)} µs CPU per request ` +
          `(bare/this ${(median(cpuUs[0]) / median(cpuUs[i])).toFixed(2)}×)\n`,
      );
    }
  } finally {
    await worker.terminate();
    await new Promise((r) => bare.close(r));
    await alone.close();
    await app.close();
    await database.embedded?.stop();
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
