import { Logger } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalVectorStore } from '../../src/vectors/local/local-vector-store';
import { normalised, VectorIndex } from '../../src/vectors/local/vector-index';
import type { ChunkPayload, VectorFilter, VectorPoint } from '../../src/vectors/vector-store';
import { payloadFor } from '../contract/vector-store.contract';
import { clusteredVectors } from '../factories/clustered-vectors';

// Operation logs are debug lines from Nest's default logger; these tests assert on results.
Logger.overrideLogger(false);

const ROOT = join(__dirname, '..', '..');
const DIM = 96;
const POINTS = 3_000;
const ANN = { minPoints: 200, efSearch: 128 };

describe('LocalVectorStore with its HNSW index', () => {
  let dir: string;
  let store: LocalVectorStore;
  let points: VectorPoint[];
  /** The same points searched exactly: the recall oracle. */
  let exact: VectorIndex<ChunkPayload>;
  let queries: Float32Array[];

  const search = (vector: Float32Array, filter?: VectorFilter, limit = 10) =>
    store.search({ vector, limit, filter });
  const idsOf = (hits: { id: string }[]) => hits.map((h) => h.id);

  /** Triggers the build with one search, then waits (bounded) until the graph has applied every write. */
  async function graphCurrent(): Promise<void> {
    await search(queries[0]);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = store.annStatus();
      if (status.state === 'ready' && status.pending_writes === 0) return;
      if (Date.now() > deadline) throw new Error(`graph not current: ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ragstore-ann-'));
    store = await LocalVectorStore.open({ directory: dir, collection: 'book', vectorSize: DIM, ann: ANN });
    await store.ensureCollection();
    const vectors = clusteredVectors(POINTS + 100, DIM, 7);
    points = vectors.slice(0, POINTS).map((vector, i) => {
      const id = randomUUID();
      return {
        id,
        vector,
        payload: payloadFor(id, {
          document_reference: `doc-${i % 50}.pdf`,
          section_title: i % 2 === 0 ? 'Even' : 'Odd',
          chunk_index: i,
        }),
      };
    });
    await store.upsert(points);
    exact = new VectorIndex<ChunkPayload>(DIM);
    for (const p of points) exact.upsert(p.id, p.vector, p.payload);
    queries = vectors.slice(POINTS).map((v) => normalised(v));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers from the graph once it is built, with recall@10 ≥ 0.98 against exact search', async () => {
    expect(store.annStatus().state).toBe('off');
    // The search that finds the collection large enough starts the build and is itself exact.
    expect(idsOf(await search(queries[0]))).toEqual(idsOf(exact.search(queries[0], 10)));
    expect(store.annStatus().state).not.toBe('off');
    await graphCurrent();

    const answeredBefore = store.annStatus().approximate_searches;
    let found = 0;
    for (const query of queries) {
      const hits = await search(query);
      const truth = new Map(exact.search(query, 10).map((h) => [h.id, h.score]));
      for (const hit of hits) {
        if (!truth.has(hit.id)) continue;
        found++;
        expect(Math.abs(hit.score - truth.get(hit.id)!)).toBeLessThan(1e-6);
      }
    }
    expect(store.annStatus().approximate_searches - answeredBefore).toBe(queries.length);
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.98);
  });

  it('never returns a deleted point, before or after the graph has caught up', async () => {
    await graphCurrent();
    const deleted = new Set(queries.slice(0, 20).map((q) => exact.search(q, 1)[0].id));
    const byFilter = 'doc-3.pdf';
    await store.deleteByIds([...deleted]);
    await store.deleteByFilter({ document_reference: byFilter });
    const gone = (hits: { id: string; payload?: ChunkPayload }[]) =>
      hits.filter((h) => deleted.has(h.id) || h.payload?.document_reference === byFilter);
    const withPayload = (q: Float32Array) => store.search({ vector: q, limit: 10, with_payload: true });

    expect(store.annStatus().pending_writes).toBeGreaterThan(0);
    for (const query of queries.slice(0, 20)) expect(gone(await withPayload(query))).toEqual([]);
    await graphCurrent();
    const answeredBefore = store.annStatus().approximate_searches;
    for (const query of queries.slice(0, 20)) expect(gone(await withPayload(query))).toEqual([]);
    expect(store.annStatus().approximate_searches - answeredBefore).toBe(20);
  });

  it('finds a point the moment its upsert is acknowledged, and an overwrite moves it', async () => {
    await graphCurrent();
    const fresh = randomUUID();
    await store.upsert([{ id: fresh, vector: queries[5], payload: payloadFor(fresh) }]);
    const [first] = await search(queries[5]);
    expect(first.id).toBe(fresh);
    expect(first.score).toBeCloseTo(1, 5);

    // Moved to the far side: it must neither be found where it was nor be missing where it is now.
    const far = queries[5].map((x) => -x);
    await store.upsert([{ id: fresh, vector: far, payload: payloadFor(fresh) }]);
    await graphCurrent();
    const answeredBefore = store.annStatus().approximate_searches;
    expect(idsOf(await search(queries[5]))).not.toContain(fresh);
    expect(idsOf(await search(far, undefined, 1))).toEqual([fresh]);
    expect(store.annStatus().approximate_searches - answeredBefore).toBe(2);
  });

  it('answers a restrictive filter, an id restriction or a high threshold with the exact results', async () => {
    await graphCurrent();
    for (const query of queries.slice(0, 20)) {
      const oneDocument = { document_reference: 'doc-7.pdf' };
      expect(idsOf(await search(query, oneDocument))).toEqual(
        idsOf(exact.search(query, 10, (_, p) => p.document_reference === 'doc-7.pdf')),
      );
      const ids = points.slice(100, 140).map((p) => p.id);
      expect(idsOf(await search(query, { ids }))).toEqual(
        idsOf(exact.search(query, 10, undefined, -Infinity, ids)),
      );
      const truth = exact.search(query, 10);
      const threshold = (truth[2].score + truth[3].score) / 2;
      const above = await store.search({ vector: query, limit: 10, score_threshold: threshold });
      expect(idsOf(above)).toEqual(idsOf(truth.slice(0, 3)));
    }
    // A filter half the points pass still goes through the graph, oversampled.
    const answeredBefore = store.annStatus().approximate_searches;
    const even = await search(queries[1], { section_title: 'Even' });
    expect(even).toHaveLength(10);
    expect(store.annStatus().approximate_searches - answeredBefore).toBe(1);
  });

  it('rebuilds the graph after a restart', async () => {
    await store.close();
    store = await LocalVectorStore.open({ directory: dir, collection: 'book', vectorSize: DIM, ann: ANN });
    expect(store.annStatus().state).toBe('off');
    await graphCurrent();
    const answeredBefore = store.annStatus().approximate_searches;
    expect(idsOf(await search(queries[9]))).toEqual(idsOf(exact.search(queries[9], 10)));
    expect(store.annStatus().approximate_searches - answeredBefore).toBe(1);
  });
});

describe('LocalVectorStore with its HNSW index, in a process of its own', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ragstore-ann-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the fixture to completion; it must exit by itself, nothing left running after close(). */
  function runFixture(mode: 'graph' | 'no-native'): Promise<{ code: number | null; output: string }> {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, 'vector-local-ann.fixture.ts'), dir, mode],
      { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the fixture did not exit by itself:\n${output}`));
      }, 25_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  }

  it('answers from the graph, then exits by itself once the store is closed (the worker is gone)', async () => {
    const { code, output } = await runFixture('graph');
    expect(output).toContain('approximate searches: 1');
    expect(output).toContain('top hit is the point itself: yes');
    expect(output).toContain('closed');
    expect(code).toBe(0);
  }, 30_000);

  it('searches exactly in plain JS, with one warning naming why, where usearch cannot load', async () => {
    const { code, output } = await runFixture('no-native');
    const warnings = output
      .split('\n')
      .filter((line) => line.includes("usearch's native module did not load"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('no prebuild for this test');
    expect(output).toContain('approximate searches: 0');
    expect(output).toContain('top hit is the point itself: yes');
    expect(code).toBe(0);
  }, 30_000);
});
