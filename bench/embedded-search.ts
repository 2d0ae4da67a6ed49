import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVectorsConfig } from '../config';
import { LocalVectorStore } from '../src/vectors/local/local-vector-store';
import { normalised, VectorIndex } from '../src/vectors/local/vector-index';
import type { ChunkPayload, VectorPoint } from '../src/vectors/vector-store';
import { clusteredVectors } from '../test/factories/clustered-vectors';
import { chunkAt, queryVectorAt } from './corpus';
import { against, plain, type Figure, type Goal } from './report';
import { summarize, timeLoop } from './stats';

export interface EmbeddedSearchOptions {
  chunks: number;
  dimension: number;
  seed: number;
  /** Distinct query vectors; recall@10 is measured on all of them. */
  queries: number;
  /** Timed searches per kernel. */
  requests: number;
  /** Upper bound on any one timing loop; five times it bounds the graph's build. */
  phaseMs: number;
}

export interface EmbeddedSearchResult {
  figures: Figure[];
  goals: Goal[];
  /** The seeded corpus, searched exactly (native kernel): the recall oracle for another store. */
  index: VectorIndex<null>;
}

const TOP_K = 10;
const BATCH = 1_000;

/**
 * The embedded store's search at the seeded size, in one run: exact search with the plain JS
 * kernel (before) and the native SIMD kernel (after) over the benchmark's corpus and queries;
 * then the HNSW index through LocalVectorStore itself (worker thread, re-scoring, post-filter),
 * its build time and its recall@10 against exact search. The graph is measured on clustered
 * vectors: the corpus's uniform random vectors have no neighbourhood for any graph to follow
 * (recall ≈ 0.5 there), and real embeddings are clustered.
 */
export async function measureEmbeddedSearch(options: EmbeddedSearchOptions): Promise<EmbeddedSearchResult> {
  const { chunks, dimension, seed, requests, phaseMs } = options;
  const size = `${chunks} × ${dimension}`;
  const figures: Figure[] = [];
  const goals: Goal[] = [];

  const js = new VectorIndex<null>(dimension, null);
  const index = new VectorIndex<null>(dimension);
  for (let i = 0; i < chunks; i++) {
    const { embedding } = chunkAt(i, dimension, seed);
    js.upsert(String(i), embedding, null);
    index.upsert(String(i), embedding, null);
  }
  const queries = Array.from({ length: options.queries }, (_, q) => queryVectorAt(dimension, seed, q));
  const timeExact = async (kernel: VectorIndex<null>) =>
    summarize(
      await timeLoop(requests, phaseMs, (i) =>
        Promise.resolve(kernel.search(queries[i % queries.length], TOP_K)),
      ),
    );
  const before = await timeExact(js);
  const after = await timeExact(index);
  figures.push(
    plain(`embedded exact search ${size}, JS kernel, p50`, before.p50, 'ms'),
    plain(`embedded exact search ${size}, JS kernel, p99`, before.p99, 'ms'),
    against(`embedded exact search ${size}, native SIMD, p50`, after.p50, 'ms', 'JS kernel', before.p50),
    against(`embedded exact search ${size}, native SIMD, p99`, after.p99, 'ms', 'JS kernel', before.p99),
  );
  if (chunks >= 100_000) {
    goals.push({
      goal: 'exact search at 100 000 × 1024 ≤ 20 ms p50',
      measured: `${after.p50} ms`,
      met: after.p50 <= 20,
    });
  }

  const ann = await measureGraph(options, after.p50);
  figures.push(...ann.figures);
  goals.push({
    goal: 'embedded ANN recall@10 ≥ 0.98',
    measured: ann.recall === null ? 'not built in time' : String(ann.recall),
    met: ann.recall !== null && ann.recall >= 0.98,
  });
  return { figures, goals, index };
}

async function measureGraph(
  { chunks, dimension, seed, queries: queryCount, requests, phaseMs }: EmbeddedSearchOptions,
  exactP50: number,
): Promise<{ figures: Figure[]; recall: number | null }> {
  const size = `${chunks} × ${dimension}`;
  const vectors = clusteredVectors(chunks + queryCount, dimension, seed);
  const queries = vectors.slice(chunks).map((v) => normalised(v));
  const oracle = new VectorIndex<null>(dimension);
  const points: VectorPoint[] = vectors.slice(0, chunks).map((vector, i) => {
    const id = randomUUID();
    oracle.upsert(id, vector, null);
    return { id, vector, payload: payloadOf(id, i) };
  });

  const directory = mkdtempSync(join(tmpdir(), 'ragstore-bench-ann-'));
  const store = await LocalVectorStore.open({
    directory,
    collection: 'bench',
    vectorSize: dimension,
    // Measured at the seeded size whatever the configured threshold; no compaction mid-load.
    ann: { minPoints: 1, efSearch: loadVectorsConfig().annEfSearch },
    compactAfterBytes: Number.MAX_SAFE_INTEGER,
  });
  try {
    await store.ensureCollection();
    for (let start = 0; start < points.length; start += BATCH)
      await store.upsert(points.slice(start, start + BATCH));

    // The first search starts the build (and is answered exactly meanwhile).
    const started = performance.now();
    await store.search({ vector: queries[0], limit: TOP_K });
    const deadline = started + phaseMs * 5;
    for (;;) {
      const status = store.annStatus();
      if (status.state === 'ready' && status.pending_writes === 0) break;
      if (performance.now() > deadline || status.state === 'failed') {
        const note = `not built within ${(phaseMs * 5) / 1000} s (${status.state})`;
        return { figures: [plain(`embedded HNSW build ${size}`, null, 's', note)], recall: null };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const buildMs = performance.now() - started;

    const answeredBefore = store.annStatus().approximate_searches;
    const samples = await timeLoop(requests, phaseMs, (i) =>
      store.search({ vector: queries[i % queries.length], limit: TOP_K }),
    );
    if (store.annStatus().approximate_searches - answeredBefore !== samples.length)
      throw new Error('some timed searches were answered exactly, not by the graph');
    const latency = summarize(samples);

    let found = 0;
    for (const query of queries) {
      const truth = new Set(oracle.search(query, TOP_K).map((h) => h.id));
      const hits = await store.search({ vector: query, limit: TOP_K });
      found += hits.filter((h) => truth.has(h.id)).length;
    }
    const recall = Math.round((found / (queries.length * TOP_K)) * 10_000) / 10_000;
    return {
      figures: [
        plain(`embedded HNSW build ${size} (clustered vectors)`, buildMs / 1000, 's'),
        plain(`embedded HNSW build rate`, chunks / (buildMs / 1000), 'points/s'),
        against(`embedded HNSW search ${size}, p50`, latency.p50, 'ms', 'native exact p50', exactP50),
        plain(`embedded HNSW search ${size}, p99`, latency.p99, 'ms'),
        plain(`embedded HNSW recall@10 vs exact (${queries.length} queries)`, recall * 100, '%'),
      ],
      recall,
    };
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

function payloadOf(id: string, i: number): ChunkPayload {
  return {
    chunk_id: id,
    text_content: `chunk ${i}`,
    document_reference: 'bench-ann.pdf',
    embedding_model: 'bench-clustered',
    metadata: { page_reference: null, section_title: null, processing_version: 'v1', chunk_index: i },
  };
}
