import { Logger } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { usearchEntry } from './usearch-module';
import type { PointPredicate, ScoredPoint, VectorIndex } from './vector-index';

export interface AnnOptions {
  /** The graph is built once a search finds at least this many points; 0 = never. */
  minPoints: number;
  /** HNSW beam width per search (ef): recall against latency; null = by the graph's size (`beamWidth`). */
  efSearch: number | null;
}

export type AnnState = 'off' | 'building' | 'ready' | 'failed' | 'closed';

export interface AnnStatus {
  state: AnnState;
  /** Writes the graph has not applied yet; searches are exact until this is 0. */
  pending_writes: number;
  /** Searches answered from the graph since the store opened. */
  approximate_searches: number;
}

/** Links per node (HNSW's M): usearch's and Qdrant's default, recall@10 ≥ 0.99 at 100 000 × 1024. */
const CONNECTIVITY = 16;
/** Beam width while inserting (ef_construction): usearch's default; a wider one slows building. */
const EXPANSION_ADD = 128;
/**
 * The graph holds half-precision copies of the vectors: its search reads half the memory (≈ 2×
 * faster at 1024-d; recall@10 of the graph alone 1.0 at 10 000 and 0.985–0.9995 at 100 000 for
 * ef 64–128 on clustered vectors) and its build is ≈ 2× faster. Scores stay exact: the shortlist
 * is re-scored on the live float32 vectors.
 */
const GRAPH_SCALAR = 'F16';
/**
 * The beam width for a search of `points`: `configured`, or 64 up to 10 000 points and 32 more
 * per tenfold beyond, which kept served recall@10 ≥ 0.99 on clustered 1024-d vectors (1.0 at
 * 10 000 with 64; 0.987 with 64 and 0.998 with 96 at 100 000) while a fixed 128 spent twice the
 * graph work at a book's size.
 */
export function beamWidth(points: number, configured: number | null): number {
  if (configured !== null) return configured;
  return points <= 10_000 ? 64 : Math.round(64 + 32 * Math.log10(points / 10_000));
}

/** Points per message to the worker: 4 MiB of 1024-d vectors, a fraction of a second of graph work. */
const BATCH_POINTS = 1_024;
/** Messages in flight: one being applied, one waiting, so the worker never idles while memory stays bounded. */
const IN_FLIGHT = 2;
/** Hits asked of the graph per wanted hit when a filter will drop some of them. */
const FILTER_OVERSAMPLE = 10;

type Op = { add: string; key: number } | { retire: number };

type FromWorker =
  | { op: 'applied'; seq: number }
  | { op: 'found'; id: number; keys: BigUint64Array; distances: Float32Array }
  | { op: 'failed'; message: string };

/**
 * An approximate (HNSW) index over a VectorIndex, for collections where even the native exact
 * scan is too slow (≈ 18 ms at 100 000 × 1024). A worker thread owns the usearch graph, so
 * building it (≈ 1 000 points/s per core at 1024-d) never blocks the event loop.
 *
 * Consistency: the live VectorIndex stays the truth. Every write is queued for the graph under a
 * fresh key (an overwrite retires the old key, a delete retires it), and the graph is consulted
 * only when it has applied every queued write and none arrived while it searched; otherwise the
 * caller searches exactly. The graph's hits are a shortlist: their scores come from the live
 * vectors, filters run on the live payloads, and a shortlist that filters or the threshold leave
 * short of `limit` is answered exactly instead. Nothing is persisted: the graph is rebuilt in the
 * background after a restart, exact search serving meanwhile.
 */
export class AnnIndex<P> {
  private readonly logger = new Logger(AnnIndex.name);
  private state: AnnState = 'off';
  private worker: Worker | null = null;
  private readonly keyById = new Map<string, number>();
  private readonly idByKey = new Map<number, string>();
  private nextKey = 0;
  /** Ops waiting to be sent, from `head` on (a build queues one per point: no shifting the array). */
  private queue: Op[] = [];
  private head = 0;
  /** Ops ever queued, ever sent, and applied by the worker: the graph is current when applied === queued. */
  private queued = 0;
  private sent = 0;
  private applied = 0;
  private inFlight = 0;
  private nextRequest = 0;
  private readonly requests = new Map<number, (found: Extract<FromWorker, { op: 'found' }> | null) => void>();
  private answered = 0;
  private buildStarted = 0;

  constructor(
    private readonly index: VectorIndex<P>,
    private readonly options: AnnOptions,
  ) {}

  status(): AnnStatus {
    return {
      state: this.state,
      pending_writes: this.queued - this.applied,
      approximate_searches: this.answered,
    };
  }

  /** After `ids` were upserted into the live index. */
  upserted(ids: Iterable<string>): void {
    if (!this.tracking()) return;
    for (const id of ids) {
      this.retire(id);
      this.assign(id);
    }
    this.pump();
  }

  /** After `ids` were deleted from the live index. */
  deleted(ids: Iterable<string>): void {
    if (!this.tracking()) return;
    for (const id of ids) this.retire(id);
    this.pump();
  }

  /**
   * The live index's answer computed from the graph's shortlist, or null when the caller must
   * search exactly (graph off, behind the writes, or its shortlist came back short).
   */
  async search(
    query: Float32Array,
    limit: number,
    predicate: PointPredicate<P> | undefined,
    threshold: number,
  ): Promise<ScoredPoint<P>[] | null> {
    const size = this.index.size;
    if (this.state === 'off' && this.options.minPoints > 0 && size >= this.options.minPoints) this.start();
    if (this.state !== 'ready' || this.applied !== this.queued || size < this.options.minPoints) return null;
    const k = Math.min(size, predicate ? limit * FILTER_OVERSAMPLE : limit);
    const writes = this.queued;
    const found = await this.ask(query, k, Math.min(size, beamWidth(size, this.options.efSearch)));
    if (!found || this.queued !== writes) return null;
    const shortlist: string[] = [];
    let worst = Infinity;
    for (let i = 0; i < Math.min(k, found.keys.length); i++) {
      const id = this.idByKey.get(Number(found.keys[i]));
      if (id !== undefined) shortlist.push(id);
      worst = Math.min(worst, 1 - found.distances[i]);
    }
    const hits = this.index.search(query, limit, predicate, threshold, shortlist);
    // Short is an answer only when the threshold cut the shortlist (what lies past it scores lower).
    if (hits.length < limit && !(found.keys.length >= k && worst <= threshold)) return null;
    this.answered++;
    return hits;
  }

  close(): Promise<void> {
    return this.stop('closed');
  }

  private tracking(): boolean {
    return this.state === 'building' || this.state === 'ready';
  }

  private start(): void {
    this.state = 'building';
    this.buildStarted = performance.now();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        entry: usearchEntry(),
        dimensions: this.index.dimension,
        connectivity: CONNECTIVITY,
        expansionAdd: EXPANSION_ADD,
        scalar: GRAPH_SCALAR,
        // One core stays with the event loop; on 2 cores, 100 000 × 1024 builds in ≈ 90 s.
        threads: Math.max(1, availableParallelism() - 1),
      },
    });
    worker.on('message', (message: FromWorker) => this.received(message));
    worker.on('error', (error) => this.fail(error.message));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.fail(`the worker exited with code ${code}`);
    });
    this.worker = worker;
    for (const id of this.index.pointIds()) this.assign(id);
    this.logger.log(
      `Building an HNSW index over ${this.index.size} points; searches stay exact until it is done`,
    );
    this.pump();
  }

  private assign(id: string): void {
    const key = this.nextKey++;
    this.keyById.set(id, key);
    this.idByKey.set(key, id);
    this.queue.push({ add: id, key });
    this.queued++;
  }

  private retire(id: string): void {
    const key = this.keyById.get(id);
    if (key === undefined) return;
    this.keyById.delete(id);
    this.idByKey.delete(key);
    this.queue.push({ retire: key });
    this.queued++;
  }

  /**
   * Sends queued ops in order. An add is resolved when it is sent: skipped when its point has
   * since been given another key or deleted (the op that did so follows it), else the point's
   * current vector is copied. So retiring before adding within one batch is safe: keys are
   * never reused, and a batch never adds a key that an op in it retires.
   */
  private pump(): void {
    const worker = this.worker;
    while (worker && this.inFlight < IN_FLIGHT && this.head < this.queue.length) {
      const ops = this.queue.slice(this.head, this.head + BATCH_POINTS);
      this.head += ops.length;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      const retired: number[] = [];
      const added: number[] = [];
      const vectors = new Float32Array(ops.length * this.index.dimension);
      for (const op of ops) {
        if ('retire' in op) retired.push(op.retire);
        else if (
          this.keyById.get(op.add) === op.key &&
          this.index.readVector(op.add, vectors, added.length * this.index.dimension)
        )
          added.push(op.key);
      }
      this.sent += ops.length;
      this.inFlight++;
      const batch = {
        op: 'write',
        seq: this.sent,
        retire: BigUint64Array.from(retired, BigInt),
        keys: BigUint64Array.from(added, BigInt),
        vectors: vectors.slice(0, added.length * this.index.dimension),
      };
      worker.postMessage(batch, [batch.retire.buffer, batch.keys.buffer, batch.vectors.buffer]);
    }
  }

  /**
   * The graph's best `k` hits (or more), from a search with a beam of `beam`. usearch widens its
   * beam to the hits asked for (index.hpp: `expansion = max(config.expansion, wanted)`) and its
   * JS binding takes no beam per search, so the graph is built with the narrowest beam and each
   * search asks for max(k, beam) hits: the first k are the answer a beam-`beam` search gives.
   */
  private ask(
    query: Float32Array,
    k: number,
    beam: number,
  ): Promise<Extract<FromWorker, { op: 'found' }> | null> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(null);
    const id = this.nextRequest++;
    return new Promise((resolve) => {
      this.requests.set(id, resolve);
      worker.postMessage({ op: 'search', id, query, k: Math.max(k, beam) });
    });
  }

  private received(message: FromWorker): void {
    switch (message.op) {
      case 'applied':
        this.applied = message.seq;
        this.inFlight--;
        if (this.state === 'building' && this.applied === this.queued) {
          this.state = 'ready';
          const seconds = ((performance.now() - this.buildStarted) / 1000).toFixed(1);
          this.logger.log(`HNSW index ready: ${this.keyById.size} points in ${seconds} s`);
        }
        this.pump();
        return;
      case 'found':
        this.requests.get(message.id)?.(message);
        this.requests.delete(message.id);
        return;
      case 'failed':
        this.fail(message.message);
        return;
    }
  }

  private fail(reason: string): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.logger.error(`HNSW index failed (${reason}); embedded searches stay exact`);
    void this.stop('failed');
  }

  /** For good: searches in flight fall back to exact, and the worker is terminated. */
  private async stop(state: 'failed' | 'closed'): Promise<void> {
    this.state = state;
    for (const resolve of this.requests.values()) resolve(null);
    this.requests.clear();
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }
}

/**
 * The worker, as source: it must run both under jest (which cannot load a .ts worker file) and
 * from dist/. It owns the graph and answers one message at a time, in order.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Index, MetricKind, ScalarKind } = require(workerData.entry);
const graph = new Index({
  dimensions: workerData.dimensions,
  metric: MetricKind.IP,
  quantization: ScalarKind[workerData.scalar],
  connectivity: workerData.connectivity,
  expansion_add: workerData.expansionAdd,
  // The narrowest beam: each search widens it by the hits it asks for (AnnIndex.ask).
  expansion_search: 1,
  multi: false,
});
parentPort.on('message', (message) => {
  try {
    if (message.op === 'write') {
      if (message.retire.length > 0) graph.remove(message.retire);
      if (message.keys.length > 0) graph.add(message.keys, message.vectors, workerData.threads);
      parentPort.postMessage({ op: 'applied', seq: message.seq });
    } else {
      const { keys, distances } = graph.search(message.query, message.k, 1);
      parentPort.postMessage({ op: 'found', id: message.id, keys, distances }, [keys.buffer, distances.buffer]);
    }
  } catch (error) {
    parentPort.postMessage({ op: 'failed', message: String((error && error.message) || error) });
  }
});
`;
