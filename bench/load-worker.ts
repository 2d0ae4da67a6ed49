import autocannon from 'autocannon';
import { parentPort } from 'node:worker_threads';
import { ingestBodyJson } from './corpus';

/**
 * The benchmark's client, in its own thread so that building requests and reading responses
 * never competes with the service for the main thread's event loop. Loopback only; every loop
 * is bounded by a request count and a time limit.
 */

export interface HttpLoadTask {
  kind: 'http';
  url: string;
  method: 'GET' | 'POST';
  bodies?: string[];
  connections: number;
  amount: number;
  maxMs: number;
}

export interface HttpLoadResult {
  latencies: number[];
  non2xx: number;
  errors: number;
  durationMs: number;
}

export interface IngestTask {
  kind: 'ingest';
  baseUrl: string;
  run: string;
  chunks: number;
  batchSize: number;
  dimension: number;
  seed: number;
  maxMs: number;
}

export interface IngestResult {
  chunkIds: string[];
  batchMs: number[];
  failures: string[];
  durationMs: number;
}

export type Task = HttpLoadTask | IngestTask;

function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    throw new Error(`the benchmark only loads loopback addresses, not ${host}`);
  }
}

async function httpLoad(task: HttpLoadTask): Promise<HttpLoadResult> {
  assertLoopback(task.url);
  const latencies: number[] = [];
  let next = 0;
  const bodies = task.bodies;
  const started = performance.now();
  let stop: NodeJS.Timeout | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: task.url,
        connections: task.connections,
        amount: task.amount,
        timeout: 10,
        requests: [
          {
            method: task.method,
            headers: bodies ? { 'content-type': 'application/json' } : {},
            ...(bodies
              ? { setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }) }
              : {}),
          },
        ],
      },
      (error, done) => (error ? reject(error as Error) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
    stop = setTimeout(() => instance.stop(), task.maxMs);
  });
  clearTimeout(stop);
  return {
    latencies,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationMs: performance.now() - started,
  };
}

/** POSTs the corpus in batches, one at a time; the next body is built while a batch is in flight. */
async function ingest(task: IngestTask): Promise<IngestResult> {
  assertLoopback(task.baseUrl);
  const chunkIds: string[] = [];
  const batchMs: number[] = [];
  const failures: string[] = [];
  const started = performance.now();
  const body = (from: number) =>
    ingestBodyJson(task.run, from, Math.min(task.chunks, from + task.batchSize), task.dimension, task.seed);
  let pending = body(0);
  for (let from = 0; from < task.chunks && performance.now() - started < task.maxMs; from += task.batchSize) {
    const sent = performance.now();
    const response = fetch(`${task.baseUrl}/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: pending,
    });
    if (from + task.batchSize < task.chunks) pending = body(from + task.batchSize);
    const res = await response;
    const answer = (await res.json()) as { chunks?: { chunk_id: string }[]; code?: string };
    batchMs.push(performance.now() - sent);
    if (res.status >= 300 || !answer.chunks) failures.push(`${res.status} ${answer.code ?? ''}`);
    else chunkIds.push(...answer.chunks.map((c) => c.chunk_id));
  }
  return { chunkIds, batchMs, failures, durationMs: performance.now() - started };
}

parentPort!.on('message', (task: Task) => {
  const work = task.kind === 'http' ? httpLoad(task) : ingest(task);
  work.then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (error: Error) => parentPort!.postMessage({ ok: false, error: error.stack ?? error.message }),
  );
});
