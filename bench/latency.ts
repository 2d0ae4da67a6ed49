import { createServer, type Server } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { resolveDatabaseServer } from '../src/database/database-server';
import { HashingEmbeddingProvider } from '../src/embeddings/hashing-embedding.provider';
import { startQdrantDouble } from '../test/qdrant-double/qdrant-double';
import { TcpProxy } from '../test/support/tcp-proxy';
import { chunkAt, queryText, vectorJson } from './corpus';
import { against, machine, plain, renderTable, type Figure, type Goal } from './report';
import { summarize } from './stats';

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
const BATCH = 250;

/**
 * The service as it would run in a cloud: PostgreSQL and the Qdrant double behind loopback TCP
 * proxies that add the given round-trip times, and an OpenAI-compatible embedding stub that
 * answers after `embed` ms. A text retrieval cannot take less than embed + one Qdrant query +
 * one SQL statement; the figure that matters is how close to that sum it comes. A repeated
 * question is then answered from the query-embedding cache, with no provider call.
 */
export async function runLatencyBench(spec: LatencySpec, options: { chunks: number; requests: number }) {
  const dimension = Number(process.env.VECTOR_SIZE);
  const log = (message: string) => process.stderr.write(`[bench:latency] ${message}\n`);
  const stub = await startEmbeddingStub(dimension, spec.embed);
  const double = await startQdrantDouble();
  const qdrantProxy = await TcpProxy.start('127.0.0.1', Number(new URL(double.url).port), {
    rttMs: spec.qdrant,
  });
  const server = await resolveDatabaseServer();
  const direct = new URL(server.url);
  const pgProxy = await TcpProxy.start(direct.hostname, Number(direct.port || 5432), { rttMs: spec.pg });
  const proxied = new URL(server.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(pgProxy.port);
  Object.assign(process.env, {
    QDRANT_URL: `http://127.0.0.1:${qdrantProxy.port}`,
    EMBEDDING_PROVIDER: 'openai',
    EMBEDDING_BASE_URL: stub.url,
    EMBEDDING_MODEL: MODEL,
  });
  const app: NestFastifyApplication = await createApp({ databaseUrl: proxied.toString() });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const pg = new Client({ connectionString: server.url });
  await pg.connect();
  try {
    log(
      `seeding ${options.chunks} chunks (client vectors; server-side embedding at ingest is not on main yet)`,
    );
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

    let stages: Record<string, number[]> = {};
    const retrieve = async (query: string) => {
      const started = performance.now();
      const res = await fetch(`${baseUrl}/v1/retrieve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, top_k: 10 }),
      });
      const body = (await res.json()) as { timings_ms: Record<string, number> };
      if (res.status !== 200) throw new Error(`retrieve answered ${res.status}`);
      for (const [stage, ms] of Object.entries(body.timings_ms)) (stages[stage] ??= []).push(ms);
      return performance.now() - started;
    };
    // Warm: connections to PostgreSQL, Qdrant and the stub are open, as in a running service.
    for (let i = 0; i < 10; i++) await retrieve(`warm-up ${i}`);
    stages = {};

    log(`${options.requests} distinct text questions, one at a time`);
    const callsBefore = stub.calls();
    const cold: number[] = [];
    for (let q = 0; q < options.requests; q++) cold.push(await retrieve(`${queryText(q, 1)} (${q})`));
    const providerCalls = stub.calls() - callsBefore;
    const repeatedBefore = stub.calls();
    const qdrantBefore = double.requests.length;
    const coldStages = stages;
    stages = {};
    const repeated: number[] = [];
    for (let q = 0; q < options.requests; q++) repeated.push(await retrieve(`${queryText(q, 1)} (${q})`));
    const repeatedCalls = stub.calls() - repeatedBefore;
    const stageP50 = (of: Record<string, number[]>) =>
      Object.entries(of)
        .map(([stage, values]) => `${stage} ${summarize(values).p50} ms`)
        .join(', ');
    const qdrantRequests = (double.requests.length - qdrantBefore) / options.requests;
    log(
      `last Qdrant requests: ${double.requests
        .slice(-3)
        .map((r) => `${r.method} ${r.path}`)
        .join(', ')}`,
    );

    const floor = spec.embed + spec.qdrant + spec.pg;
    const coldSummary = summarize(cold);
    const hitSummary = summarize(repeated);
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
      plain('stage p50, new questions (timings_ms)', null, '', stageP50(coldStages)),
      plain('stage p50, repeated questions (timings_ms)', null, '', stageP50(stages)),
      plain(
        'ingest with server-side embedding',
        null,
        '',
        'not measured: server-side embedding at ingest is not on main yet',
      ),
    ];
    const goals: Goal[] = [
      {
        goal: 'text retrieval p50 ≤ 1.05× the sum of its round trips',
        measured: `${coldSummary.p50} ms vs ${floor} ms = ${(coldSummary.p50 / floor).toFixed(3)}×`,
        met: coldSummary.p50 <= 1.05 * floor,
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
    await pgProxy.close();
    await qdrantProxy.close();
    await double.close();
    await new Promise((r) => stub.server.close(r));
    await server.embedded?.stop();
  }
}

/** An OpenAI-compatible `/embeddings` that answers after `latencyMs`, with hashing vectors. */
async function startEmbeddingStub(
  dimension: number,
  latencyMs: number,
): Promise<{ server: Server; url: string; calls(): number }> {
  const hashing = new HashingEmbeddingProvider(dimension);
  let calls = 0;
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      calls++;
      const { input } = JSON.parse(Buffer.concat(parts).toString('utf8')) as { input: string[] };
      const body = JSON.stringify({
        object: 'list',
        model: MODEL,
        data: input.map((text, index) => ({
          object: 'embedding',
          index,
          embedding: Array.from(hashing.embedOne(text)),
        })),
      });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      }, latencyMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return {
    server,
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`,
    calls: () => calls,
  };
}
