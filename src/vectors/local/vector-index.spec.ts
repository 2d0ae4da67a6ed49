import { Logger, type LoggerService } from '@nestjs/common';
import { prng } from '../../../bench/corpus';
import { normalised, VectorIndex, type PointPredicate } from './vector-index';
import { tryLoadUsearch, usearch } from './usearch-module';

interface Tag {
  group: number;
}

/** Seeded values in [-0.5, 0.5), so a failing case replays. */
function random(seed: number): () => number {
  const next = prng(seed);
  return () => next() - 0.5;
}

const DIM = 48;
const POINTS = 3_000;

/** The same points in an index scoring natively and in one scoring in JS. */
function twins(seed: number): { native: VectorIndex<Tag>; js: VectorIndex<Tag>; queries: Float32Array[] } {
  const next = random(seed);
  const native = new VectorIndex<Tag>(DIM);
  const js = new VectorIndex<Tag>(DIM, null);
  for (let i = 0; i < POINTS; i++) {
    const vector = Array.from({ length: DIM }, next);
    native.upsert(`p${i}`, vector, { group: i % 20 });
    js.upsert(`p${i}`, vector, { group: i % 20 });
  }
  const queries = Array.from({ length: 40 }, () => normalised(Array.from({ length: DIM }, next)));
  return { native, js, queries };
}

function expectSameHits(
  actual: { id: string; score: number }[],
  expected: { id: string; score: number }[],
): void {
  expect(actual.map((h) => h.id)).toEqual(expected.map((h) => h.id));
  // float32 SIMD sums against double-precision sums of the same float32 values.
  actual.forEach((hit, i) => expect(Math.abs(hit.score - expected[i].score)).toBeLessThan(1e-6));
}

describe('VectorIndex', () => {
  it('loads the native kernel on this platform (so the cases below compare two kernels)', () => {
    expect(usearch()).not.toBeNull();
  });

  it('ranks and scores the same with the native and the JS kernel', () => {
    const { native, js, queries } = twins(1);
    for (const query of queries) {
      expectSameHits(native.search(query, 10), js.search(query, 10));
      expectSameHits(native.search(query, 1), js.search(query, 1));
    }
  });

  it.each<[string, (query: Float32Array, js: VectorIndex<Tag>) => PointPredicate<Tag>]>([
    ['a broad filter (half the rows: native scan, post-filtered)', () => (_, p) => p.group % 2 === 0],
    ['a selective filter (1 row in 20: scored in JS)', () => (_, p) => p.group === 3],
    [
      // The best 500 rows are excluded, so the oversampled native scan comes back short.
      'a filter that rejects every row near the query (native scan short, then JS)',
      (query, js) => {
        const near = new Set(js.search(query, 500).map((h) => h.id));
        return (id) => !near.has(id);
      },
    ],
  ])('filters the same with both kernels: %s', (_, makePredicate) => {
    const { native, js, queries } = twins(2);
    for (const query of queries.slice(0, 10)) {
      const predicate = makePredicate(query, js);
      const hits = native.search(query, 10, predicate);
      expect(hits).toHaveLength(10);
      expect(hits.every((h) => predicate(h.id, h.payload))).toBe(true);
      expectSameHits(hits, js.search(query, 10, predicate));
    }
  });

  it('keeps only scores strictly above the threshold, filtered or not', () => {
    const { native, js, queries } = twins(3);
    const query = queries[0];
    const tenth = js.search(query, 10)[9].score;
    // Halfway between the 10th and 11th score, so float rounding cannot move a point across it.
    const threshold = (tenth + js.search(query, 11)[10].score) / 2;
    expectSameHits(native.search(query, 50, undefined, threshold), js.search(query, 10));
    const even: PointPredicate<Tag> = (_, p) => p.group % 2 === 0;
    const evenOfTop10 = js.search(query, 10).filter((h) => even(h.id, h.payload));
    expect(evenOfTop10.length).toBeGreaterThan(0);
    expectSameHits(native.search(query, 50, even, threshold), evenOfTop10);

    const exact = new VectorIndex<Tag>(4);
    exact.upsert('along', [1, 0, 0, 0], { group: 0 });
    exact.upsert('diagonal', [1, 1, 0, 0], { group: 0 });
    const unit = normalised([1, 0, 0, 0]);
    expect(exact.search(unit, 10, undefined, 1).map((h) => h.id)).toEqual([]);
    expect(exact.search(unit, 10, undefined, 0.99).map((h) => h.id)).toEqual(['along']);
    expect(exact.search(unit, 10, undefined, 0.7).map((h) => h.id)).toEqual(['along', 'diagonal']);
  });

  it('scores only the candidate ids, once each, skipping unknown ones and applying the filter', () => {
    const { native, js, queries } = twins(4);
    const candidates = ['p5', 'p17', 'p5', 'missing', 'p2999', 'p40', 'p1234'];
    const hits = native.search(queries[0], 10, undefined, -Infinity, candidates);
    expect(hits.map((h) => h.id).sort()).toEqual(['p1234', 'p17', 'p2999', 'p40', 'p5']);
    const reference = js.search(queries[0], 10, (id) => candidates.includes(id));
    expectSameHits(hits, reference);
    const inGroup17 = native.search(queries[0], 10, (_, p) => p.group === 17, -Infinity, candidates);
    expect(inGroup17.map((h) => h.id)).toEqual(['p17']);
  });

  it('reads a query that is a view into a larger buffer from its own offset', () => {
    const { native, js, queries } = twins(5);
    const buffer = new Float32Array(DIM * 3);
    buffer.set(queries[7], DIM);
    const view = buffer.subarray(DIM, 2 * DIM);
    expectSameHits(native.search(view, 10), js.search(queries[7], 10));
  });

  it('finds moved rows after deletes, and nothing in an empty index', () => {
    const { native, js, queries } = twins(6);
    for (let i = 0; i < POINTS; i += 3) {
      native.delete(`p${i}`);
      js.delete(`p${i}`);
    }
    expect(native.size).toBe(2_000);
    for (const query of queries.slice(0, 10)) expectSameHits(native.search(query, 10), js.search(query, 10));
    const empty = new VectorIndex<Tag>(DIM);
    expect(empty.search(queries[0], 10)).toEqual([]);
    expect(empty.search(queries[0], 10, () => true)).toEqual([]);
  });

  it('returns every point when the limit exceeds the size, equal scores in insertion order', () => {
    const index = new VectorIndex<Tag>(4);
    for (const id of ['c', 'a', 'b']) index.upsert(id, [0, 1, 0, 0], { group: 0 });
    index.upsert('best', [0, 1, 0.1, 0], { group: 0 });
    const hits = index.search(normalised([0, 1, 0.2, 0]), 10);
    expect(hits.map((h) => h.id)).toEqual(['best', 'c', 'a', 'b']);
  });

  it('copies a stored vector out, unit length', () => {
    const index = new VectorIndex<Tag>(4);
    index.upsert('x', [3, 4, 0, 0], { group: 0 });
    const into = new Float32Array(8);
    expect(index.readVector('x', into, 4)).toBe(true);
    expect(Array.from(into)).toEqual([0, 0, 0, 0, expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0, 0]);
    expect(index.readVector('y', into, 0)).toBe(false);
  });
});

describe('tryLoadUsearch', () => {
  it('answers null and logs one warning naming the cause when the native module cannot load', () => {
    const warnings: string[] = [];
    const capture: LoggerService = { log: () => {}, error: () => {}, warn: (m: string) => warnings.push(m) };
    Logger.overrideLogger(capture);
    try {
      const loaded = tryLoadUsearch(() => {
        throw new Error('No native build was found for platform=plan9 arch=mips\n    at load (index.js:1)');
      });
      expect(loaded).toBeNull();
    } finally {
      Logger.overrideLogger(false);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('No native build was found for platform=plan9 arch=mips');
    expect(warnings[0]).not.toContain('at load');
    expect(warnings[0]).toContain('plain JS kernel');
  });
});
