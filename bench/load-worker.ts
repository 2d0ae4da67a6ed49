import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { readlinkSync } from 'node:fs';
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
  /** This thread's Linux thread id, so a caller can leave the client's CPU out of the service's. */
  tid: number;
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
  /** Batches in flight at once. */
  concurrency: number;
  maxMs: number;
}

export interface IngestResult {
  chunkIds: string[];
  /** Wall-clock ms (epoch) of the first request, after the bodies were built: comparable across threads. */
  startedAt: number;
  batchMs: number[];
  failures: string[];
  durationMs: number;
}

export type Task = HttpLoadTask | IngestTask;

/** /proc/thread-self names this thread: /proc/<pid>/task/<tid>. */
const THREAD_ID = Number(readlinkSync('/proc/thread-self').split('/').pop());

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
  // autocannon reports only at its next 1 s sample tick after the last response, so the time to
  // its callback would round every run up to whole seconds: the load ends with its last response.
  let lastResponse = started;
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
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      lastResponse = performance.now();
    });
    stop = setTimeout(() => instance.stop(), task.maxMs);
  });
  clearTimeout(stop);
  return {
    tid: THREAD_ID,
    latencies,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationMs: lastResponse - started,
  };
}

/**
 * Request bodies are built before the clock starts, up to this many bytes (≈ 90 batches of 500 ×
 * 1024): formatting half a million floats per batch costs the client more CPU than the service
 * spends on the batch, and on a 2-core machine that CPU comes out of the service's share. Past
 * the budget, each body is built while the previous batch is in flight (and the figure is then
 * partly the client's).
 */
const PREBUILT_BODY_BYTES = 512 * 1024 * 1024;

/**
 * POSTs the corpus in batches of distinct documents, `concurrency` at a time (each over its own
 * keep-alive connection, node:http), as an importer keeping the service busy would.
 */
async function ingest(task: IngestTask): Promise<IngestResult> {
  assertLoopback(task.baseUrl);
  const batches = Math.ceil(task.chunks / task.batchSize);
  const idsByBatch: string[][] = [];
  const batchMs: number[] = [];
  const failures: string[] = [];
  const body = (batch: number) => {
    const from = batch * task.batchSize;
    return Buffer.from(
      ingestBodyJson(task.run, from, Math.min(task.chunks, from + task.batchSize), task.dimension, task.seed),
    );
  };
  const prebuilt: (Buffer | undefined)[] = [];
  for (let bytes = 0; prebuilt.length < batches && bytes < PREBUILT_BODY_BYTES;) {
    prebuilt.push(body(prebuilt.length));
    bytes += prebuilt[prebuilt.length - 1]!.length;
  }
  const agent = new Agent({ keepAlive: true, maxSockets: task.concurrency });
  const started = performance.now();
  const startedAt = performance.timeOrigin + started;
  let next = 0;
  const client = async () => {
    while (next < batches && performance.now() - started < task.maxMs) {
      const batch = next++;
      const payload = prebuilt[batch] ?? body(batch);
      prebuilt[batch] = undefined; // sent: let it go
      const sent = performance.now();
      const { status, text } = await post(`${task.baseUrl}/v1/ingest`, payload, agent);
      const answer = JSON.parse(text) as { chunks?: { chunk_id: string }[]; code?: string };
      batchMs.push(performance.now() - sent);
      if (status >= 300 || !answer.chunks) failures.push(`${status} ${answer.code ?? ''}`);
      else idsByBatch[batch] = answer.chunks.map((c) => c.chunk_id);
    }
  };
  try {
    await Promise.all(Array.from({ length: task.concurrency }, client));
  } finally {
    agent.destroy();
  }
  return {
    chunkIds: idsByBatch.flat(),
    batchMs,
    failures,
    startedAt,
    durationMs: performance.now() - started,
  };
}

function post(url: string, payload: Buffer, agent: Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () =>
          resolvePromise({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

parentPort!.on('message', (task: Task) => {
  const work = task.kind === 'http' ? httpLoad(task) : ingest(task);
  work.then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (error: Error) => parentPort!.postMessage({ ok: false, error: error.stack ?? error.message }),
  );
});
