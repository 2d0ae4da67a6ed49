import { usearch, type Usearch } from './usearch-module';

/** Decides whether a point takes part in a search, scroll, count or delete. */
export type PointPredicate<P> = (id: string, payload: P) => boolean;

export interface IndexedPoint<P> {
  id: string;
  payload: P;
  /** Unit length (cosine): scores are plain dot products. */
  vector: Float32Array;
}

export interface ScoredPoint<P> {
  id: string;
  payload: P;
  score: number;
}

/** Below this share of matching rows, scoring only those rows in JS beats scanning all of them natively. */
const JS_SHARE = 1 / 8;
/** Rows the native scan returns per wanted hit, scaled by the filter's selectivity, before post-filtering. */
const OVERSAMPLE = 2;

interface Ranked {
  slot: number;
  score: number;
}

/**
 * Exact cosine search held in memory: every vector, normalised on write, lives in one contiguous
 * Float32Array, so a search is one pass of dot products over it. usearch's SIMD kernel makes that
 * pass (≈ 0.17 ms per million dimensions, 6× the JS loop) where its native module loads; the JS
 * loop remains for rows picked one by one (an id restriction, a very selective filter) and for
 * platforms without the native module. Deleting moves the last point into the freed slot, so the
 * array stays dense. Shared by LocalVectorStore and the Qdrant test double, so both score alike.
 */
export class VectorIndex<P> {
  private data: Float32Array;
  private ids: string[] = [];
  private payloads: P[] = [];
  private readonly slotById = new Map<string, number>();
  /** Ids in ascending order for scrolling, rebuilt lazily after writes. */
  private sortedIds: string[] | null = null;

  constructor(
    readonly dimension: number,
    private readonly native: Usearch | null = usearch(),
  ) {
    this.data = new Float32Array(dimension * 64);
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.slotById.has(id);
  }

  /** Stores the vector normalised to unit length (callers have rejected zero and non-finite vectors). */
  upsert(id: string, vector: ArrayLike<number>, payload: P): void {
    let slot = this.slotById.get(id);
    if (slot === undefined) {
      slot = this.ids.length;
      this.ensureCapacity(slot + 1);
      this.ids.push(id);
      this.payloads.push(payload);
      this.slotById.set(id, slot);
      this.sortedIds = null;
    } else {
      this.payloads[slot] = payload;
    }
    writeNormalised(vector, this.data, slot * this.dimension, this.dimension);
  }

  setPayload(id: string, payload: P): boolean {
    const slot = this.slotById.get(id);
    if (slot === undefined) return false;
    this.payloads[slot] = payload;
    return true;
  }

  delete(id: string): boolean {
    const slot = this.slotById.get(id);
    if (slot === undefined) return false;
    const last = this.ids.length - 1;
    if (slot !== last) {
      const lastId = this.ids[last];
      this.ids[slot] = lastId;
      this.payloads[slot] = this.payloads[last];
      this.slotById.set(lastId, slot);
      this.data.copyWithin(slot * this.dimension, last * this.dimension, (last + 1) * this.dimension);
    }
    this.ids.pop();
    this.payloads.pop();
    this.slotById.delete(id);
    this.sortedIds = null;
    return true;
  }

  get(id: string): IndexedPoint<P> | undefined {
    const slot = this.slotById.get(id);
    return slot === undefined ? undefined : this.pointAt(slot);
  }

  /** Every id, in slot order. */
  pointIds(): string[] {
    return [...this.ids];
  }

  /** Copies the stored (unit) vector of `id` into `into` at `offset`; false when there is no such point. */
  readVector(id: string, into: Float32Array, offset: number): boolean {
    const slot = this.slotById.get(id);
    if (slot === undefined) return false;
    into.set(this.data.subarray(slot * this.dimension, (slot + 1) * this.dimension), offset);
    return true;
  }

  /**
   * The `limit` best points by cosine similarity, best first (equal scores in slot order); only
   * scores strictly above `threshold` count, as in Qdrant. `query` must already be unit length.
   * `candidates`, when given, are the only ids that can match (a filter's id restriction, or an
   * approximate index's shortlist): just those rows are scored.
   */
  search(
    query: Float32Array,
    limit: number,
    predicate?: PointPredicate<P>,
    threshold = -Infinity,
    candidates?: Iterable<string>,
  ): ScoredPoint<P>[] {
    const slots = candidates
      ? this.slotsOf(candidates, predicate)
      : predicate
        ? this.slotsMatching(predicate)
        : null;
    let top: Ranked[] | null = null;
    if (this.native && !candidates && (slots === null || slots.length > this.ids.length * JS_SHARE)) {
      top = this.nativeTop(this.native, query, limit, threshold, slots);
    }
    top ??= this.jsTop(query, limit, threshold, slots);
    return top.map(({ slot, score }) => ({ id: this.ids[slot], payload: this.payloads[slot], score }));
  }

  /** Up to `limit` matching points with id ≥ `from`, ascending, and the id the next page starts at. */
  scroll(
    limit: number,
    from: string | null,
    predicate?: PointPredicate<P>,
  ): { points: IndexedPoint<P>[]; next: string | null } {
    const sorted = this.ascendingIds();
    const points: IndexedPoint<P>[] = [];
    for (let i = from === null ? 0 : lowerBound(sorted, from); i < sorted.length; i++) {
      const slot = this.slotById.get(sorted[i])!;
      if (predicate && !predicate(sorted[i], this.payloads[slot])) continue;
      if (points.length === limit) return { points, next: sorted[i] };
      points.push(this.pointAt(slot));
    }
    return { points, next: null };
  }

  /** Ids of the points the predicate accepts (every point when none is given), ascending. */
  matchingIds(predicate?: PointPredicate<P>): string[] {
    if (!predicate) return [...this.ascendingIds()];
    return this.ascendingIds().filter((id) => predicate(id, this.payloads[this.slotById.get(id)!]));
  }

  count(predicate?: PointPredicate<P>): number {
    if (!predicate) return this.ids.length;
    let n = 0;
    for (let slot = 0; slot < this.ids.length; slot++)
      if (predicate(this.ids[slot], this.payloads[slot])) n++;
    return n;
  }

  /** Every point, in slot order (for snapshots). */
  *entries(): Generator<IndexedPoint<P>> {
    for (let slot = 0; slot < this.ids.length; slot++) yield this.pointAt(slot);
  }

  /**
   * One native scan of every row, post-filtered to `slots` when given. Null when the filter left
   * fewer than `limit` hits while rows past the scanned ones could still match and beat the threshold.
   */
  private nativeTop(
    native: Usearch,
    query: Float32Array,
    limit: number,
    threshold: number,
    slots: readonly number[] | null,
  ): Ranked[] | null {
    const rows = this.ids.length;
    if (rows === 0) return [];
    const k = Math.min(rows, slots ? Math.ceil((limit * OVERSAMPLE * rows) / slots.length) : limit);
    let allowed: Uint8Array | null = null;
    if (slots) {
      allowed = new Uint8Array(rows);
      for (const slot of slots) allowed[slot] = 1;
    }
    // usearch reads exactSearch's arrays from the start of their buffers, ignoring byteOffset.
    const unitQuery = query.byteOffset === 0 ? query : query.slice();
    const { keys, distances } = native.exactSearch(
      this.data.subarray(0, rows * this.dimension),
      unitQuery,
      this.dimension,
      k,
      native.MetricKind.IP,
      // One thread: the scan runs on the event loop's core and leaves the other to the database.
      1,
    );
    const ranked: Ranked[] = [];
    let worst = Infinity;
    for (let i = 0; i < keys.length; i++) {
      // Inner-product distance is 1 − dot, and stored vectors are unit length.
      const score = 1 - distances[i];
      worst = Math.min(worst, score);
      const slot = Number(keys[i]);
      if (score > threshold && (allowed === null || allowed[slot] === 1)) ranked.push({ slot, score });
    }
    ranked.sort((a, b) => b.score - a.score || a.slot - b.slot);
    if (ranked.length >= limit) return ranked.slice(0, limit);
    return k === rows || worst <= threshold ? ranked : null;
  }

  /** The JS loop over `slots` (every row when null). */
  private jsTop(
    query: Float32Array,
    limit: number,
    threshold: number,
    slots: readonly number[] | null,
  ): Ranked[] {
    const dim = this.dimension;
    const data = this.data;
    // Kept sorted best-first; k is small, so insertion beats a heap.
    const top: Ranked[] = [];
    let floor = threshold;
    const count = slots ? slots.length : this.ids.length;
    for (let i = 0; i < count; i++) {
      const slot = slots ? slots[i] : i;
      const score = dot(data, slot * dim, query, dim);
      if (score <= floor) continue;
      let at = top.length;
      while (at > 0 && top[at - 1].score < score) at--;
      top.splice(at, 0, { slot, score });
      if (top.length > limit) top.pop();
      if (top.length === limit) floor = Math.max(threshold, top[limit - 1].score);
    }
    return top;
  }

  private slotsMatching(predicate: PointPredicate<P>): number[] {
    const slots: number[] = [];
    for (let slot = 0; slot < this.ids.length; slot++)
      if (predicate(this.ids[slot], this.payloads[slot])) slots.push(slot);
    return slots;
  }

  private slotsOf(ids: Iterable<string>, predicate?: PointPredicate<P>): number[] {
    const slots = new Set<number>();
    for (const id of ids) {
      const slot = this.slotById.get(id);
      if (slot !== undefined && (!predicate || predicate(id, this.payloads[slot]))) slots.add(slot);
    }
    return [...slots].sort((a, b) => a - b);
  }

  private pointAt(slot: number): IndexedPoint<P> {
    const start = slot * this.dimension;
    return {
      id: this.ids[slot],
      payload: this.payloads[slot],
      vector: this.data.slice(start, start + this.dimension),
    };
  }

  private ascendingIds(): string[] {
    // Plain code-unit order: for lowercase hyphenated UUIDs it is byte order, which is Qdrant's.
    this.sortedIds ??= [...this.ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sortedIds;
  }

  private ensureCapacity(points: number): void {
    if (points * this.dimension <= this.data.length) return;
    const grown = new Float32Array(
      Math.max(points, (this.data.length / this.dimension) * 2) * this.dimension,
    );
    grown.set(this.data);
    this.data = grown;
  }
}

/** Unit-length copy of `vector` as float32, the form every stored and query vector takes. */
export function normalised(vector: ArrayLike<number>): Float32Array {
  const out = new Float32Array(vector.length);
  writeNormalised(vector, out, 0, vector.length);
  return out;
}

function writeNormalised(vector: ArrayLike<number>, out: Float32Array, offset: number, dim: number): void {
  let squares = 0;
  for (let i = 0; i < dim; i++) squares += vector[i] * vector[i];
  // Like Qdrant, leave an already-unit vector alone: replaying a stored vector must not drift.
  const scale = Math.abs(squares - 1) < 1e-6 ? 1 : 1 / Math.sqrt(squares);
  for (let i = 0; i < dim; i++) out[offset + i] = vector[i] * scale;
}

/** Four independent sums let the CPU overlap the multiplies: ≈ 0.9 ms per million dimensions, 1.8× a plain loop. */
function dot(data: Float32Array, base: number, query: Float32Array, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += data[base + i] * query[i];
    s1 += data[base + i + 1] * query[i + 1];
    s2 += data[base + i + 2] * query[i + 2];
    s3 += data[base + i + 3] * query[i + 3];
  }
  for (; i < dim; i++) s0 += data[base + i] * query[i];
  return s0 + s1 + s2 + s3;
}

function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
