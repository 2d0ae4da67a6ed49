import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { resolveDatabaseServer } from '../src/database/database-server';
import { chunkAt, queryText, vectorJson } from './corpus';
import { against, machine, plain, renderTable, type Figure, type Goal } from './report';
import type {
  Counts,
  FloorRun,
  NetworkReady,
  NetworkRequest,
  NetworkSetup,
  RetrieveRun,
} from './latency-network';
import { summarize } from './stats';
import { loadEmbeddingConfig } from '../config';

/** Round-trip times (ms) added in front of PostgreSQL and Qdrant, and the embedding stub's latency. */
export interface LatencySpec {
  pg: number;
  qdrant: number;
  embed: number;
}

/** `pg=10,qdrant=15,embed=100` → the spec; every key is required, values are milliseconds. */
export function parseLatencySpec(text: string): LatencySpec {
  const entries = Object.fromEntries(
    text.split(',').map((part) => {
      const [key, value] = part.split('=');
      const ms = Number(value);
      if (!['pg', 'qdrant', 'embed'].includes(key) || !Number.isFinite(ms) || ms < 0)
        throw new Error(`--latency: "${part}" is not pg=<ms>, qdrant=<ms> or embed=<ms>`);
      return [key, ms];
    }),
  ) as Partial<LatencySpec>;
  if (entries.pg === undefined || entries.qdrant === undefined || entries.embed === undefined)
    throw new Error('--latency needs pg=<ms>,qdrant=<ms>,embed=<ms>');
  return entries as LatencySpec;
}

const MODEL = 'bench-stub-embedding';
/** Text-only ingest batches in flight at once in the server-side embedding figure. */
const INGEST_IN_FLIGHT = 2;
/** Chunks per text-only ingest batch: EMBEDDING_CONCURRENCY (4) requests of EMBEDDING_BATCH_SIZE (128). */
const TEXT_BATCH = 512;
const TEXT_CHUNKS = 8 * TEXT_BATCH;
/** Hits per retrieval, and the vector search's limit (the service asks for top_k + 5). */
const TOP_K = 10;
const BATCH = 250;

/**
 * The service as it would run in a cloud: PostgreSQL and the Qdrant double behind loopback TCP
 * proxies that add the given round-trip times, and an OpenAI-compatible embedding stub that
 * answers after `embed` ms. A text retrieval cannot take less than embed + one Qdrant query +
 * one SQL statement; the figure that matters is how close to that sum it comes. A repeated
 * question is then answered from the query-embedding cache, with no provider call. The proxies,
 * the double, the stub and the client run in a worker thread (bench/latency-network.ts): this
 * thread runs the service only.
 */
export async function runLatencyBench(spec: LatencySpec, options: { chunks: number; requests: number }) {
  const dimension = Number(process.env.VECTOR_SIZE);
  const log = (message: string) => process.stderr.write(`[bench:latency] ${message}\n`);
  const server = await resolveDatabaseServer();
  const direct = new URL(server.url);
  const network = new NetworkThread({
    dimension,
    model: MODEL,
    pgHost: direct.hostname,
    pgPort: Number(direct.port || 5432),
    rtt: spec,
  });
  const ready = await network.ready;
  const proxied = new URL(server.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(ready.pgPort);
  Object.assign(process.env, {
    QDRANT_URL: ready.qdrantUrl,
    EMBEDDING_PROVIDER: 'openai',
    EMBEDDING_BASE_URL: ready.embedUrl,
    EMBEDDING_MODEL: MODEL,
  });
  const app: NestFastifyApplication = await createApp({ databaseUrl: proxied.toString() });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const pg = new Client({ connectionString: server.url });
  await pg.connect();
  try {
    log(`seeding ${options.chunks} chunks (client vectors)`);
    const run = `latency-${Date.now()}`;
    for (let from = 0; from < options.chunks; from += BATCH) {
      const chunks: string[] = [];
      for (let i = from; i < Math.min(options.chunks, from + BATCH); i++) {
        const { embedding, ...rest } = chunkAt(i, dimension, 1);
        chunks.push(`${JSON.stringify(rest).slice(0, -1)},"embedding":${vectorJson(embedding)}}`);
      }
      const res = await fetch(`${baseUrl}/v1/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"document_reference":"${run}-${from}.pdf","embedding_model":"${MODEL}","wait_ms":0,"chunks":[${chunks.join(',')}]}`,
      });
      if (res.status >= 300) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    }
    for (const deadline = Date.now() + 120_000; ;) {
      const { rows } = await pg.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM chunks WHERE sync_status <> 'synced'`,
      );
      if (rows[0].n === 0) break;
      if (Date.now() > deadline) throw new Error(`${rows[0].n} chunks not synced in time`);
      await new Promise((r) => setTimeout(r, 50));
    }

    // Warm: connections to PostgreSQL, Qdrant and the stub are open, as in a running service.
    await network.retrieve(
      baseUrl,
      Array.from({ length: 10 }, (_, i) => `warm-up ${i}`),
    );
    const questions = Array.from({ length: options.requests }, (_, q) => `${queryText(q, 1)} (${q})`);

    log(`${options.requests} distinct text questions, one at a time`);
    const before = await network.counts();
    const cold = await network.retrieve(baseUrl, questions);
    const afterCold = await network.counts();
    const repeated = await network.retrieve(baseUrl, questions);
    const afterRepeated = await network.counts();
    const providerCalls = afterCold.providerCalls - before.providerCalls;
    const repeatedCalls = afterRepeated.providerCalls - afterCold.providerCalls;
    const stageP50 = (of: Record<string, number[]>) =>
      Object.entries(of)
        .map(([stage, values]) => `${stage} ${summarize(values).p50} ms`)
        .join(', ');
    const qdrantRequests = (afterRepeated.qdrantRequests - afterCold.qdrantRequests) / options.requests;
    log(`last Qdrant requests: ${afterRepeated.lastQdrant.join(', ')}`);
    // The same path without a network, right after: what the machine adds whatever the RTTs. If
    // the service made no extra round trip and no wait grew with the RTT, the retrieval with RTTs
    // takes the sum of its round trips plus this.
    log(`the same ${options.requests} new questions with no added round-trip time`);
    await network.setRtt({ pg: 0, qdrant: 0, embed: 0 });
    const local = summarize(
      (
        await network.retrieve(
          baseUrl,
          questions.map((q) => `${q} (local)`),
        )
      ).latencies,
    );
    await network.setRtt(spec);

    // The same three round trips by a bare client, right after: each far side's own time
    // (the stub's JSON, the double's search, PostgreSQL's execution) counts, the service's not.
    log(`the same ${options.requests} new questions' round trips by a bare client`);
    const bare = summarize(
      (
        await network.floor(
          process.env.QDRANT_COLLECTION ?? 'book_embeddings',
          proxied.toString(),
          TOP_K + 5,
          questions.map((q) => `${q} (bare)`),
        )
      ).latencies,
    );

    // Ingest with server-side embedding: text-only batches, INGEST_IN_FLIGHT at a time, the
    // stub answering after `embed` ms. Its capacity at the requests it saw in flight is
    // in-flight × batch ÷ latency; the service saturates it when it keeps that many busy.
    log(
      `ingest with server-side embedding: ${TEXT_CHUNKS} chunks, ${INGEST_IN_FLIGHT} batches of ${TEXT_BATCH} in flight`,
    );
    await network.counts();
    const textRun = `latency-text-${Date.now()}`;
    const ingestStarted = performance.now();
    let nextBatch = 0;
    await Promise.all(
      Array.from({ length: INGEST_IN_FLIGHT }, async () => {
        for (let from = nextBatch; from < TEXT_CHUNKS; from = nextBatch) {
          nextBatch += TEXT_BATCH;
          const chunks = [];
          for (let i = from; i < Math.min(TEXT_CHUNKS, from + TEXT_BATCH); i++) {
            const { chunk_text, section_title, page_reference } = chunkAt(i, dimension, 2);
            chunks.push({ chunk_text, chunk_index: i - from, section_title, page_reference });
          }
          const res = await fetch(`${baseUrl}/v1/ingest`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ document_reference: `${textRun}-${from}.pdf`, wait_ms: 0, chunks }),
          });
          if (res.status >= 300) throw new Error(`text ingest answered ${res.status}: ${await res.text()}`);
        }
      }),
    );
    const ingestSeconds = (performance.now() - ingestStarted) / 1000;
    const peakProviderRequests = (await network.counts()).peakProviderRequests;
    const embedding = loadEmbeddingConfig();
    const stubCapacity = (peakProviderRequests * embedding.batchSize) / (spec.embed / 1000);
    const configuredCapacity =
      (INGEST_IN_FLIGHT * embedding.concurrency * embedding.batchSize) / (spec.embed / 1000);

    const floor = spec.embed + spec.qdrant + spec.pg;
    const coldSummary = summarize(cold.latencies);
    const hitSummary = summarize(repeated.latencies);
    const figures: Figure[] = [
      against(
        'text retrieval p50 (new question)',
        coldSummary.p50,
        'ms',
        'embed + Qdrant RTT + SQL RTT',
        floor,
      ),
      against(
        'text retrieval p99 (new question)',
        coldSummary.p99,
        'ms',
        'embed + Qdrant RTT + SQL RTT',
        floor,
      ),
      against(
        'text retrieval p50 (new question)',
        coldSummary.p50,
        'ms',
        'the 3 round trips by a bare client, p50',
        bare.p50,
      ),
      against(
        'text retrieval p99 (new question)',
        coldSummary.p99,
        'ms',
        'the 3 round trips by a bare client, p99',
        bare.p99,
      ),
      plain('text retrieval p50, same path with no added RTT', local.p50, 'ms'),
      against(
        'RTT-added time p50 (with RTTs − without)',
        Math.round((coldSummary.p50 - local.p50) * 100) / 100,
        'ms',
        'embed + Qdrant RTT + SQL RTT',
        floor,
      ),
      plain('provider calls for the new questions', providerCalls, 'calls'),
      against(
        'text retrieval p50 (repeated question)',
        hitSummary.p50,
        'ms',
        'Qdrant RTT + SQL RTT',
        spec.qdrant + spec.pg,
      ),
      against(
        'text retrieval p99 (repeated question)',
        hitSummary.p99,
        'ms',
        'Qdrant RTT + SQL RTT',
        spec.qdrant + spec.pg,
      ),
      plain('provider calls for the repeated questions', repeatedCalls, 'calls'),
      plain('Qdrant requests per retrieval', qdrantRequests, 'requests'),
      plain('stage p50, new questions (timings_ms)', null, '', stageP50(cold.stages)),
      plain('stage p50, repeated questions (timings_ms)', null, '', stageP50(repeated.stages)),
      against(
        'ingest with server-side embedding, chunks/s',
        Math.round(TEXT_CHUNKS / ingestSeconds),
        'chunks/s',
        `the stub at the ${peakProviderRequests} requests seen in flight × ${embedding.batchSize} ÷ ${spec.embed} ms`,
        Math.round(stubCapacity),
      ),
      plain(
        'embedding requests in flight (most at once)',
        peakProviderRequests,
        'requests',
        `configured: ${INGEST_IN_FLIGHT} batches × EMBEDDING_CONCURRENCY ${embedding.concurrency} (≤ ${Math.round(configuredCapacity)} chunks/s)`,
      ),
    ];
    const goals: Goal[] = [
      {
        goal: 'text retrieval p50 ≤ 1.05× its round trips made by a bare client',
        measured: `${coldSummary.p50} ms vs ${bare.p50} ms = ${(coldSummary.p50 / bare.p50).toFixed(3)}×`,
        met: coldSummary.p50 <= 1.05 * bare.p50,
      },
      {
        goal: 'the RTTs add ≤ 1.05× their sum (no extra round trip, no wait that grows with them)',
        measured: `${(coldSummary.p50 - local.p50).toFixed(1)} ms vs ${floor} ms = ${((coldSummary.p50 - local.p50) / floor).toFixed(3)}×`,
        met: coldSummary.p50 - local.p50 <= 1.05 * floor,
      },
      {
        goal: 'ingest with server-side embedding saturates the provider: ≥ 0.9× the configured in-flight capacity',
        measured: `${Math.round(TEXT_CHUNKS / ingestSeconds)} chunks/s vs ${Math.round(configuredCapacity)} chunks/s (${peakProviderRequests} requests in flight at most)`,
        met: TEXT_CHUNKS / ingestSeconds >= 0.9 * configuredCapacity,
      },
      {
        goal: 'a repeated question makes no provider call',
        measured: `${repeatedCalls} calls for ${options.requests} repeats`,
        met: repeatedCalls === 0,
      },
    ];
    const m = machine();
    process.stdout.write(
      `ragstore latency bench: pg=${spec.pg} ms, qdrant=${spec.qdrant} ms, embed=${spec.embed} ms RTT; ` +
        `${options.chunks} chunks × ${dimension}; ${m.cpus} × ${m.cpu_model}, Node ${m.node}\n\n` +
        `${renderTable(figures, goals)}\n`,
    );
  } finally {
    await pg.end();
    await app.close();
    await network.close();
    await server.embedded?.stop();
  }
}

/** The network side (bench/latency-network.ts) in its worker thread, one request at a time. */
class NetworkThread {
  private readonly worker: Worker;
  readonly ready: Promise<NetworkReady>;

  constructor(setup: NetworkSetup) {
    this.worker = new Worker(join(__dirname, 'latency-network.ts'), { workerData: setup });
    this.ready = this.next<NetworkReady>();
  }

  retrieve(baseUrl: string, queries: string[]): Promise<RetrieveRun> {
    this.worker.postMessage({ op: 'retrieve', baseUrl, queries } satisfies NetworkRequest);
    return this.next<RetrieveRun>();
  }

  floor(collection: string, pgUrl: string, limit: number, queries: string[]): Promise<FloorRun> {
    this.worker.postMessage({ op: 'floor', collection, pgUrl, limit, queries } satisfies NetworkRequest);
    return this.next<FloorRun>();
  }

  async setRtt(rtt: LatencySpec): Promise<void> {
    this.worker.postMessage({ op: 'rtt', rtt } satisfies NetworkRequest);
    await this.next();
  }

  counts(): Promise<Counts> {
    this.worker.postMessage({ op: 'counts' } satisfies NetworkRequest);
    return this.next<Counts>();
  }

  async close(): Promise<void> {
    this.worker.postMessage({ op: 'close' } satisfies NetworkRequest);
    await this.next();
    await this.worker.terminate();
  }

  private next<T>(): Promise<T> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', (message: { op: string; message?: string }) =>
        message.op === 'error' ? reject(new Error(message.message)) : resolve(message as T),
      );
    });
  }
}
