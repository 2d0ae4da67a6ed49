import 'reflect-metadata';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance as perfHooks } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client, Pool } from 'pg';
import { createApp } from '../src/app.factory';
import { parseCliArgs } from '../src/cli/run-cli';
import { resolveDatabaseServer } from '../src/database/database-server';
import { RetrievalRepository } from '../src/retrieval/retrieval.repository';
import { LocalVectorStore } from '../src/vectors/local/local-vector-store';
import { VectorStore } from '../src/vectors/vector-store';
import { QueryCounter } from '../test/support/query-counter';
import { against, machine, plain, renderTable, type Figure, type Goal } from './report';
import { measureEmbeddedSearch } from './embedded-search';
import { parseLatencySpec, runLatencyBench } from './latency';
import { chunkAt, queryText, queryVectorAt, selectionFrom, vectorJson } from './corpus';
import { FLOOR_LOOKUP_SQL, startFloorServer } from './floor';
import type { HttpLoadResult, HttpLoadTask, IngestResult, IngestTask } from './load-worker';
import { createScratchTable, rawInsert, rawRow, type RawPath } from './raw-insert';
import { summarize, timeLoop, type Summary } from './stats';
import { applyQdrantArgs, measureRawQdrantQuery, QDRANT_OPTIONS, startBenchDouble } from './qdrant';

/**
 * `npm run bench [-- --chunks 100000 --requests 500 --out file.json]
 * [--qdrant-url URL [--qdrant-api-key K] | --qdrant-double]`: starts the configured
 * stack (embedded PostgreSQL and vector store unless DATABASE_URL / QDRANT_URL are set), seeds
 * it through the API, and measures each path next to its floor in the same run. It reports; it
 * asserts nothing about absolute times.
 */

const USAGE =
  'usage: npm run bench -- [--chunks N] [--requests N] [--seed N] [--phase-ms MS] [--ingest-concurrency N] ' +
  '[--out FILE] [--qdrant-url URL [--qdrant-api-key K] | --qdrant-double] [--latency pg=MS,qdrant=MS,embed=MS] [--strict]';
const { values: args } = parseCliArgs(USAGE, {
  chunks: { type: 'string', default: '10000' },
  requests: { type: 'string', default: '2000' },
  seed: { type: 'string', default: '1' },
  'phase-ms': { type: 'string', default: '60000' },
  'ingest-concurrency': { type: 'string', default: '2' },
  out: { type: 'string' },
  ...QDRANT_OPTIONS,
  /** `pg=10,qdrant=15,embed=100`: run the cloud-latency benchmark (bench/latency.ts) instead. */
  latency: { type: 'string' },
  /** Exit 3 when a goal is missed (for a CI gate); by default the bench reports and exits 0. */
  strict: { type: 'boolean', default: false },
});
applyQdrantArgs(args);
const CHUNKS = Number(args.chunks);
const REQUESTS = Number(args.requests);
const SEED = Number(args.seed);
/** Upper bound on any one measuring loop, whatever its request count. */
const PHASE_MS = Number(args['phase-ms']);
const BATCH = 500;
/** Ingest batches in flight: two keep both cores busy (one parsing a batch, one writing the last). */
const INGEST_CONCURRENCY = Number(args['ingest-concurrency']);
const TOP_K = 10;
const QUERIES = Math.min(200, REQUESTS);
const RUN = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');

const ownDataDir = process.env.DATA_DIR ? null : mkdtempSync(join(tmpdir(), 'ragstore-bench-'));
// As root, the embedded PostgreSQL runs as `postgres`, which must be able to traverse DATA_DIR.
if (ownDataDir) chmodSync(ownDataDir, 0o711);
Object.assign(process.env, {
  DATA_DIR: process.env.DATA_DIR ?? ownDataDir!,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  VECTOR_SIZE: process.env.VECTOR_SIZE ?? '1024',
  // Loopback measurement of the service's own work: no key needed, limits high enough never to
  // trip (the throttler still runs on every request, as in production).
  AUTH_MODE: 'disabled',
  RATE_LIMIT_RETRIEVE: '1000000',
  RATE_LIMIT_INGEST: '1000000',
  RATE_LIMIT_DEFAULT: '1000000',
  RATE_LIMIT_ADMIN: '1000000',
  // A fresh collection per run, so a real Qdrant's existing data is never touched.
  ...(process.env.QDRANT_URL && !process.env.QDRANT_COLLECTION ? { QDRANT_COLLECTION: `bench_${RUN}` } : {}),
});
const DIM = Number(process.env.VECTOR_SIZE);

class LoadClient {
  private readonly worker = new Worker(join(__dirname, 'load-worker.ts'));

  run(task: HttpLoadTask): Promise<HttpLoadResult>;
  run(task: IngestTask): Promise<IngestResult>;
  run(task: HttpLoadTask | IngestTask): Promise<unknown> {
    return new Promise((resolvePromise, reject) => {
      this.worker.once('message', (m: { ok: boolean; result?: unknown; error?: string }) =>
        m.ok ? resolvePromise(m.result) : reject(new Error(m.error)),
      );
      this.worker.postMessage(task);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rate = (count: number, ms: number) => count / (ms / 1000);

async function main(): Promise<void> {
  if (args.latency !== undefined) {
    return runLatencyBench(parseLatencySpec(args.latency), { chunks: CHUNKS, requests: QUERIES });
  }
  const figures: Figure[] = [];
  const goals: Goal[] = [];
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

  const double = await startBenchDouble(args);
  const server = await resolveDatabaseServer();
  const app: NestFastifyApplication = await createApp({ databaseUrl: server.url });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const store = app.get(VectorStore);
  const pg = new Client({ connectionString: server.url });
  await pg.connect();
  const load = new LoadClient();
  log(
    `stack: postgres=${server.embedded ? 'embedded' : 'configured'}, vectors=${store.kind}; ${CHUNKS} chunks × ${DIM}`,
  );

  try {
    // --- Ingest through the API until every chunk is synced, against raw SQL paths ----------
    log(`ingest via POST /v1/ingest, ${INGEST_CONCURRENCY} batches of ${BATCH} in flight`);
    const ingest = await load.run({
      kind: 'ingest',
      baseUrl,
      run: RUN,
      chunks: CHUNKS,
      batchSize: BATCH,
      dimension: DIM,
      seed: SEED,
      concurrency: INGEST_CONCURRENCY,
      maxMs: PHASE_MS * 5,
    });
    if (ingest.failures.length > 0)
      throw new Error(`ingest failed: ${ingest.failures.slice(0, 3).join('; ')}`);
    const syncDeadline = performance.now() + PHASE_MS * 5;
    for (;;) {
      const { rows } = await pg.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM chunks WHERE chunk_id = ANY($1::uuid[]) AND sync_status = 'synced'`,
        [ingest.chunkIds],
      );
      if (rows[0].n === CHUNKS) break;
      if (performance.now() > syncDeadline)
        throw new Error(`only ${rows[0].n} of ${CHUNKS} chunks synced in time`);
      await sleep(20);
    }
    const ingestMs = performance.timeOrigin + performance.now() - ingest.startedAt;
    const {
      rows: [lag],
    } = await pg.query<{ p50: number; p99: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
         FROM (SELECT extract(epoch FROM synced_at - created_at) * 1000 AS ms
                 FROM chunks WHERE chunk_id = ANY($1::uuid[])) s`,
      [ingest.chunkIds],
    );

    log('raw SQL paths into scratch tables');
    const rows = Array.from({ length: CHUNKS }, (_, i) => rawRow(RUN, i, DIM, SEED));
    const raw: Record<RawPath, number> = { copy_binary: 0, unnest: 0, multi_row: 0 };
    for (const path of Object.keys(raw) as RawPath[]) {
      const table = `bench_raw_${path}`;
      await createScratchTable(pg, table, 'shaped');
      raw[path] = rate(CHUNKS, await rawInsert(pg, table, path, (i) => rows[i], CHUNKS, BATCH));
      await pg.query(`DROP TABLE ${table}`);
    }
    await createScratchTable(pg, 'bench_raw_bare', 'bare');
    const bareCopy = rate(
      CHUNKS,
      await rawInsert(pg, 'bench_raw_bare', 'copy_binary', (i) => rows[i], CHUNKS, BATCH),
    );
    await pg.query(`DROP TABLE bench_raw_bare`);
    const ingestRate = rate(CHUNKS, ingestMs);
    figures.push(
      against('ingest, HTTP → synced', ingestRate, 'chunks/s', 'raw COPY binary', raw.copy_binary),
      plain('ingest, HTTP accepted (before sync)', rate(CHUNKS, ingest.durationMs), 'chunks/s'),
      plain('outbox lag p50', lag.p50, 'ms'),
      plain('outbox lag p99', lag.p99, 'ms'),
      against(
        'raw COPY (FORMAT binary) into a copy of chunks',
        raw.copy_binary,
        'rows/s',
        'same COPY, bare table',
        bareCopy,
      ),
      against('raw INSERT … unnest, 500/batch', raw.unnest, 'rows/s', 'raw COPY binary', raw.copy_binary),
      against(
        'raw INSERT multi-row VALUES, 500/batch',
        raw.multi_row,
        'rows/s',
        'raw COPY binary',
        raw.copy_binary,
      ),
    );
    goals.push(
      {
        goal: 'ingest ≥ 5000 chunks/s',
        measured: `${Math.round(ingestRate)} chunks/s`,
        met: ingestRate >= 5000,
      },
      {
        goal: 'ingest ≥ 40 % of raw COPY',
        measured: `${Math.round((100 * ingestRate) / raw.copy_binary)} %`,
        met: ingestRate >= 0.4 * raw.copy_binary,
      },
    );

    // --- Queries: the same ones for HTTP and for the in-process floor ------------------------
    const queryVectors = Array.from({ length: QUERIES }, (_, q) => queryVectorAt(DIM, SEED, q));
    const bodies = {
      vector: queryVectors.map((v) => `{"mode":"vector","top_k":${TOP_K},"query_vector":${vectorJson(v)}}`),
      hybrid: queryVectors.map((_, q) =>
        JSON.stringify({ mode: 'hybrid', top_k: TOP_K, query: queryText(q, SEED) }),
      ),
      selected_text: queryVectors.map((_, q) =>
        JSON.stringify({
          mode: 'selected_text',
          top_k: TOP_K,
          query: queryText(q, SEED),
          selected_text: selectionFrom(chunkAt((q * 7_919) % CHUNKS, DIM, SEED), q),
        }),
      ),
      // A sentence or two, as readers often select: long enough to carry fingerprints.
      selected_text_40_words: queryVectors.map((_, q) =>
        JSON.stringify({
          mode: 'selected_text',
          top_k: TOP_K,
          query: queryText(q, SEED),
          selected_text: selectionFrom(chunkAt((q * 7_919) % CHUNKS, DIM, SEED), q, 40),
        }),
      ),
    };
    type Mode = keyof typeof bodies;
    const modes = Object.keys(bodies) as Mode[];

    const annSearches = await waitForIndex(store, queryVectors[0], PHASE_MS * 5, log);

    log('in-process floor: vector store search + raw pg ANY($1)');
    const hitIds: string[][] = [];
    const lookup = (ids: string[]) => pg.query(FLOOR_LOOKUP_SQL, [ids]);
    const searchMs: number[] = [];
    const floor = summarize(
      await timeLoop(REQUESTS, PHASE_MS, async (i) => {
        const s = performance.now();
        const hits = await store.search({ vector: queryVectors[i % QUERIES], limit: TOP_K + 5 });
        searchMs.push(performance.now() - s);
        hitIds[i % QUERIES] = hits.map((h) => h.id);
        await lookup(hitIds[i % QUERIES]);
      }),
    );
    figures.push(plain(`floor: ${store.kind} search + raw ANY($1), p50`, floor.p50, 'ms'));
    const rawQdrant =
      store.kind === 'qdrant'
        ? await measureRawQdrantQuery({
            url: process.env.QDRANT_URL!,
            apiKey: process.env.QDRANT_API_KEY,
            collection: (await store.collectionInfo())!.name,
            vectors: queryVectors,
            limit: TOP_K + 5,
            requests: REQUESTS,
            phaseMs: PHASE_MS,
          })
        : null;
    if (rawQdrant) figures.push(...rawQdrant.figures);

    // The same vector requests, same client, against a bare node:http server that runs the same
    // search and one pg lookup: what HTTP, the search and PostgreSQL cost without the service.
    // Measured right before vector mode at each concurrency, so both see the same machine.
    const floorPool = new Pool({ connectionString: server.url, max: 10 });
    const floorServer = await startFloorServer(store, floorPool);
    const httpFloor: Record<string, { p50: number; rps: number }> = {};
    const measureHttpFloor = async (connections: number) => {
      const task: HttpLoadTask = {
        kind: 'http',
        url: floorServer.url,
        method: 'POST',
        bodies: bodies.vector,
        connections,
        amount: 20,
        maxMs: PHASE_MS,
      };
      await load.run(task);
      const result = await load.run({ ...task, amount: REQUESTS });
      httpFloor[`c${connections}`] = {
        p50: summarize(result.latencies).p50,
        rps: rate(result.latencies.length, result.durationMs),
      };
    };

    log('retrieval over HTTP (autocannon, in a worker thread)');
    const http: Record<string, Record<Mode, Summary & { rps: number; non2xx: number }>> = {};
    for (const mode of modes) {
      await load.run({
        kind: 'http',
        url: `${baseUrl}/v1/retrieve`,
        method: 'POST',
        bodies: bodies[mode],
        connections: 1,
        amount: 20,
        maxMs: PHASE_MS,
      });
    }
    for (const connections of [1, 10]) {
      http[`c${connections}`] = {} as Record<Mode, Summary & { rps: number; non2xx: number }>;
      for (const mode of modes) {
        if (mode === 'vector') {
          log(`HTTP floor c=${connections}: bare node:http, the same search and one pg lookup`);
          await measureHttpFloor(connections);
        }
        // The service's event loop (this thread; the load client and the HNSW graph have their own).
        const loopBefore = perfHooks.eventLoopUtilization();
        const result = await load.run({
          kind: 'http',
          url: `${baseUrl}/v1/retrieve`,
          method: 'POST',
          bodies: bodies[mode],
          connections,
          amount: REQUESTS,
          maxMs: PHASE_MS,
        });
        const loop = perfHooks.eventLoopUtilization(loopBefore);
        const summary = {
          ...summarize(result.latencies),
          rps: rate(result.latencies.length, result.durationMs),
          non2xx: result.non2xx,
        };
        http[`c${connections}`][mode] = summary;
        figures.push(
          mode === 'vector'
            ? against(`retrieve ${mode} c=${connections} p50`, summary.p50, 'ms', 'floor p50', floor.p50)
            : against(
                `retrieve ${mode} c=${connections} p50`,
                summary.p50,
                'ms',
                `vector c=${connections} p50`,
                http[`c${connections}`].vector.p50,
              ),
          plain(`retrieve ${mode} c=${connections} p95`, summary.p95, 'ms'),
          against(`retrieve ${mode} c=${connections} p99`, summary.p99, 'ms', 'floor p99', floor.p99),
          mode === 'vector'
            ? against(
                `retrieve ${mode} c=${connections} throughput`,
                summary.rps,
                'req/s',
                `HTTP floor c=${connections} (bare node:http, same search + pg lookup)`,
                httpFloor[`c${connections}`].rps,
              )
            : against(
                `retrieve ${mode} c=${connections} throughput`,
                summary.rps,
                'req/s',
                `vector c=${connections}`,
                http[`c${connections}`].vector.rps,
              ),
          plain(
            `retrieve ${mode} c=${connections} event-loop busy per request`,
            loop.active / Math.max(1, result.latencies.length),
            'ms',
          ),
          // Timeouts (10 s) and error statuses are counted, not fatal: the rest still gets measured.
          plain(
            `retrieve ${mode} c=${connections} failed requests`,
            result.non2xx + result.errors,
            'requests',
          ),
        );
      }
    }
    await new Promise((r) => floorServer.server.close(r));
    await floorPool.end();
    const v1 = http.c1.vector;
    const v10 = http.c10.vector;
    if (rawQdrant) {
      figures.push(
        against('retrieve vector c=1 p50 vs raw Qdrant', v1.p50, 'ms', 'raw query p50', rawQdrant.identity),
      );
    }
    goals.push(
      {
        goal: 'vector retrieval p50 ≤ 1.3× floor (c=1)',
        measured: `${v1.p50} ms vs ${floor.p50} ms = ${(v1.p50 / floor.p50).toFixed(2)}×`,
        met: v1.p50 <= 1.3 * floor.p50,
      },
      { goal: 'vector retrieval p99 ≤ 50 ms at c=10', measured: `${v10.p99} ms`, met: v10.p99 <= 50 },
      {
        goal: 'vector retrieval ≥ 900 req/s at c=10 (issue 19)',
        measured: `${Math.round(v10.rps)} req/s; HTTP floor ${Math.round(httpFloor.c10.rps)} req/s`,
        met: v10.rps >= 900,
      },
      // Issue 19: the text modes within 2× of vector mode, in latency at c=1 and throughput at c=10.
      ...modes
        .filter((mode) => mode !== 'vector')
        .map((mode) => {
          const latency = http.c1[mode].p50 / v1.p50;
          const throughput = v10.rps / http.c10[mode].rps;
          return {
            goal: `${mode} within 2× of vector (c=1 p50, c=10 req/s)`,
            measured: `${latency.toFixed(2)}× the p50, ${throughput.toFixed(2)}× fewer req/s`,
            met: latency <= 2 && throughput <= 2,
          };
        }),
    );

    log('hydration: repository query vs raw ANY($1)');
    const repository = app.get(RetrievalRepository);
    const hydrationRepo = summarize(
      await timeLoop(REQUESTS, PHASE_MS, (i) => repository.findLiveByIds(hitIds[i % QUERIES], undefined)),
    );
    const hydrationRaw = summarize(await timeLoop(REQUESTS, PHASE_MS, (i) => lookup(hitIds[i % QUERIES])));
    figures.push(
      against('hydration, repository p50', hydrationRepo.p50, 'ms', 'raw pg ANY($1) p50', hydrationRaw.p50),
      against('hydration, repository p99', hydrationRepo.p99, 'ms', 'raw pg ANY($1) p99', hydrationRaw.p99),
    );

    log('SQL statements per retrieval, and stage timings');
    const counter = QueryCounter.install(app);
    const stages: Record<'vector_search' | 'metadata', number[]> = { vector_search: [], metadata: [] };
    const statements: Record<string, number[]> = {};
    try {
      for (const mode of modes) {
        statements[mode] = [];
        await timeLoop(Math.min(50, REQUESTS), PHASE_MS, async (i) => {
          const res = await fetch(`${baseUrl}/v1/retrieve`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: bodies[mode][i % QUERIES],
          });
          const body = (await res.json()) as { timings_ms: Record<string, number> };
          stages.vector_search.push(body.timings_ms.vector_search);
          stages.metadata.push(body.timings_ms.metadata);
          statements[mode].push(counter.statementsFor(res.headers.get('x-request-id')!).length);
        });
      }
    } finally {
      counter.uninstall();
    }
    for (const mode of modes) {
      figures.push(
        plain(`SQL statements per retrieval, ${mode} (max)`, Math.max(...statements[mode]), 'statements'),
      );
    }
    const maxStatements = Math.max(...modes.flatMap((mode) => statements[mode]));
    goals.push({
      goal: 'exactly one SQL statement per retrieval',
      measured: modes
        .map((m) => `${m} ${Math.min(...statements[m])}–${Math.max(...statements[m])}`)
        .join(', '),
      met: maxStatements === 1 && Math.min(...modes.flatMap((mode) => statements[mode])) === 1,
    });
    const searchP99 = summarize(stages.vector_search).p99;
    const metadataP99 = summarize(stages.metadata).p99;
    figures.push(
      against('spec: vector search p99 (all modes)', searchP99, 'ms', 'spec limit', 500),
      against('spec: metadata retrieval p99 (all modes)', metadataP99, 'ms', 'spec limit', 100),
    );
    goals.push(
      {
        goal: 'spec: vector search < 500 ms',
        measured: `p99 ${searchP99} ms (${Math.round(500 / searchP99)}× margin)`,
        met: searchP99 < 500,
      },
      {
        goal: 'spec: metadata retrieval < 100 ms',
        measured: `p99 ${metadataP99} ms (${Math.round(100 / metadataP99)}× margin)`,
        met: metadataP99 < 100,
      },
    );

    log('framework overhead: GET /health/live vs a bare node:http server');
    const liveBody = await (await fetch(`${baseUrl}/health/live`)).text();
    const bare = await listenBare(liveBody);
    const amount = Math.max(1000, REQUESTS * 10);
    const nest = await load.run({
      kind: 'http',
      url: `${baseUrl}/health/live`,
      method: 'GET',
      connections: 10,
      amount,
      maxMs: PHASE_MS,
    });
    const node = await load.run({
      kind: 'http',
      url: bare.url,
      method: 'GET',
      connections: 10,
      amount,
      maxMs: PHASE_MS,
    });
    await new Promise((r) => bare.server.close(r));
    const nestRps = rate(nest.latencies.length, nest.durationMs);
    const nodeRps = rate(node.latencies.length, node.durationMs);
    figures.push(against('GET /health/live c=10', nestRps, 'req/s', 'bare node:http', nodeRps));
    goals.push({
      goal: 'framework ≥ 0.6× bare node:http',
      measured: `${(nestRps / nodeRps).toFixed(2)}×`,
      met: nestRps >= 0.6 * nodeRps,
    });

    log('embedded store: exact search (JS kernel, then native SIMD) and HNSW at the seeded size');
    const embedded = await measureEmbeddedSearch({
      chunks: CHUNKS,
      dimension: DIM,
      seed: SEED,
      queries: QUERIES,
      requests: REQUESTS,
      phaseMs: PHASE_MS,
    });
    figures.push(...embedded.figures);
    goals.push(...embedded.goals);
    // Same ids (String(i)) and queries: the exact oracle for the Qdrant recall below.
    const index = embedded.index;

    log(`recall@10 of the served vector search (${store.kind}) against exact search`);
    const ordinal = new Map(ingest.chunkIds.map((id, i) => [id, String(i)]));
    let overlap = 0;
    for (let q = 0; q < QUERIES; q++) {
      const truth = new Set(index.search(queryVectors[q], TOP_K).map((p) => p.id));
      const hits = await store.search({ vector: queryVectors[q], limit: TOP_K });
      overlap += hits.filter((h) => truth.has(ordinal.get(h.id) ?? '')).length;
    }
    const servedRecall = overlap / (QUERIES * TOP_K);
    figures.push(
      plain(`${store.kind} recall@10 vs exact (${QUERIES} queries)`, servedRecall, ''),
      plain(
        'vector searches answered by the approximate index (whole run)',
        null,
        '',
        annSearches.describe(),
      ),
    );
    goals.push({
      goal: 'served vector search recall@10 ≥ 0.99 vs exact',
      measured: servedRecall.toFixed(4),
      met: servedRecall >= 0.99,
    });
    writeResults(figures, goals, store.kind, server.embedded ? 'embedded' : 'configured');
    const missed = goals.filter((g) => !g.met).length;
    if (missed > 0) {
      process.stdout.write(`${missed} goal(s) MISSED${args.strict ? ' (--strict: exit 3)' : ''}\n`);
      if (args.strict) process.exitCode = 3;
    }
  } finally {
    await load.close();
    await pg.end();
    await app.close();
    await server.embedded?.stop();
    await double?.close();
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  }
}

/**
 * Waits until the index the run means to measure serves searches: the embedded store's HNSW
 * graph (when the collection is at least EMBEDDED_ANN_MIN_POINTS) has caught up with every write.
 * Returns a counter of the searches it has answered since, for the report.
 */
async function waitForIndex(
  store: VectorStore,
  probe: Float32Array,
  maxMs: number,
  log: (message: string) => void,
): Promise<{ describe(): string }> {
  if (!(store instanceof LocalVectorStore)) return { describe: () => `${store.kind}: its own index` };
  // The first search starts the build (and is answered exactly meanwhile).
  await store.search({ vector: probe, limit: TOP_K });
  if (store.annStatus().state === 'off')
    return { describe: () => 'exact search (below EMBEDDED_ANN_MIN_POINTS)' };
  const started = performance.now();
  for (;;) {
    const status = store.annStatus();
    if (status.state === 'ready' && status.pending_writes === 0) break;
    if (status.state === 'failed' || performance.now() - started > maxMs)
      throw new Error(
        `the HNSW index is not serving (${status.state}, ${status.pending_writes} writes pending)`,
      );
    await sleep(50);
  }
  log(`HNSW index ready after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const base = store.annStatus().approximate_searches;
  return { describe: () => `HNSW: ${store.annStatus().approximate_searches - base} searches since ready` };
}

async function listenBare(body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` };
}

function writeResults(figures: Figure[], goals: Goal[], vectors: string, postgres: string): void {
  const out = resolve(args.out ?? join(__dirname, 'results', `${RUN}.json`));
  mkdirSync(dirname(out), { recursive: true });
  const results = {
    run: RUN,
    machine: machine(),
    stack: { postgres, vectors },
    parameters: {
      chunks: CHUNKS,
      dimension: DIM,
      requests: REQUESTS,
      batch: BATCH,
      ingest_concurrency: INGEST_CONCURRENCY,
      top_k: TOP_K,
      seed: SEED,
    },
    figures,
    goals,
  };
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const m = results.machine;
  process.stdout.write(
    `ragstore bench ${RUN}: ${CHUNKS} chunks × ${DIM}, postgres=${postgres}, vectors=${vectors}; ` +
      `${m.cpus} × ${m.cpu_model}, Node ${m.node}\n\n${renderTable(figures, goals)}\nresults: ${out}\n`,
  );
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
