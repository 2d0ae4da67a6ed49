import { randomUUID } from 'node:crypto';
import type { ChunkPayload, VectorFilter, VectorPoint, VectorStore } from '../../src/vectors/vector-store';
import { VectorStoreError } from '../../src/vectors/vector-store.errors';

export interface ContractTarget {
  /** A store on a new, empty collection of this size (its collection already ensured). */
  open(vectorSize: number): Promise<VectorStore>;
}

export function payloadFor(
  id: string,
  overrides: Partial<Omit<ChunkPayload, 'metadata'>> & Partial<ChunkPayload['metadata']> = {},
): ChunkPayload {
  const {
    page_reference = 1,
    section_title = 'Intro',
    processing_version = 'v1',
    chunk_index = 0,
    ...top
  } = overrides;
  return {
    chunk_id: id,
    text_content: `text of ${id}`,
    document_reference: 'book.pdf',
    embedding_model: 'test-embed',
    ...top,
    metadata: { page_reference, section_title, processing_version, chunk_index },
  };
}

function point(vector: number[], overrides: Parameters<typeof payloadFor>[1] = {}): VectorPoint {
  const id = randomUUID();
  return { id, vector, payload: payloadFor(id, overrides) };
}

async function rejection(promise: Promise<unknown>): Promise<VectorStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VectorStoreError);
  return error as VectorStoreError;
}

/** A seeded generator, so a failing random case can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/**
 * The behaviour every VectorStore adapter must share: the same spec runs against the embedded
 * store, Qdrant through the test double, and a real Qdrant.
 */
export function vectorStoreContract(target: () => ContractTarget): void {
  // Hand-computed cosine similarities to the query [2, 0, 0, 0].
  const along = point([1, 0, 0, 0], { document_reference: 'a.pdf', section_title: 'One', page_reference: 1 });
  const diagonal = point([1, 1, 0, 0], {
    document_reference: 'a.pdf',
    section_title: 'Two',
    page_reference: 5,
  }); // 0.7071
  const threeFour = point([3, 4, 0, 0], {
    document_reference: 'b.pdf',
    section_title: 'One',
    page_reference: 9,
    processing_version: 'v2',
  }); // 0.6
  const orthogonal = point([0, 0, 1, 0], {
    document_reference: 'b.pdf',
    section_title: 'Two',
    page_reference: null,
  }); // 0
  const opposite = point([-1, 0, 0, 0], {
    document_reference: 'c.pdf',
    section_title: 'Three',
    page_reference: 12,
  }); // -1
  const all = [along, diagonal, threeFour, orthogonal, opposite];
  const query = [2, 0, 0, 0];

  let store: VectorStore;
  beforeAll(async () => {
    store = await target().open(4);
    await store.upsert(all);
  });

  const idsOf = (hits: { id: string }[]) => hits.map((h) => h.id);
  const search = (filter?: VectorFilter, extra: { score_threshold?: number; limit?: number } = {}) =>
    store.search({ vector: query, limit: extra.limit ?? 10, filter, score_threshold: extra.score_threshold });

  it('ranks by cosine similarity with the hand-computed scores', async () => {
    const hits = await search();
    expect(idsOf(hits)).toEqual([along.id, diagonal.id, threeFour.id, orthogonal.id, opposite.id]);
    const expected = [1, Math.SQRT1_2, 0.6, 0, -1];
    hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(expected[i], 5));
    expect(hits[0].payload).toBeUndefined();
  });

  it('returns payloads when asked and honours the limit', async () => {
    const hits = await store.search({ vector: query, limit: 2, with_payload: true });
    expect(idsOf(hits)).toEqual([along.id, diagonal.id]);
    expect(hits[0].payload).toEqual(along.payload);
  });

  it.each<[string, VectorFilter, () => string[]]>([
    ['document_reference equals', { document_reference: 'a.pdf' }, () => [along.id, diagonal.id]],
    [
      'document_reference any of',
      { document_reference: ['b.pdf', 'c.pdf'] },
      () => [threeFour.id, orthogonal.id, opposite.id],
    ],
    ['document_reference any of an empty list', { document_reference: [] }, () => []],
    ['section_title', { section_title: 'One' }, () => [along.id, threeFour.id]],
    ['page range', { page_from: 5, page_to: 9 }, () => [diagonal.id, threeFour.id]],
    [
      'page from only (a chunk without a page never matches)',
      { page_from: 9 },
      () => [threeFour.id, opposite.id],
    ],
    ['page to only', { page_to: 1 }, () => [along.id]],
    ['processing_version', { processing_version: 'v2' }, () => [threeFour.id]],
    ['ids', { ids: [opposite.id, diagonal.id] }, () => [diagonal.id, opposite.id]],
    [
      'combined',
      { document_reference: ['a.pdf', 'b.pdf'], section_title: 'One', page_from: 2 },
      () => [threeFour.id],
    ],
    ['combined with ids', { section_title: 'Two', ids: [orthogonal.id, along.id] }, () => [orthogonal.id]],
  ])('filters: %s', async (_, filter, expected) => {
    expect(idsOf(await search(filter))).toEqual(expected());
    expect(await store.count(filter)).toBe(expected().length);
  });

  it('keeps only scores strictly above the threshold', async () => {
    expect(idsOf(await search(undefined, { score_threshold: 0.65 }))).toEqual([along.id, diagonal.id]);
    expect(idsOf(await search(undefined, { score_threshold: -0.5 }))).toHaveLength(4);
    expect(await search(undefined, { score_threshold: 0.9999 })).toHaveLength(1);
  });

  it('retrieves existing ids in the order asked, skipping missing ones, vectors normalised', async () => {
    const missing = randomUUID();
    const points = await store.retrieve([threeFour.id, missing, along.id], { with_vector: true });
    expect(points.map((p) => p.id)).toEqual([threeFour.id, along.id]);
    expect(points[0].payload).toEqual(threeFour.payload);
    expect(Array.from(points[0].vector!)).toEqual([expect.closeTo(0.6, 5), expect.closeTo(0.8, 5), 0, 0]);
    expect((await store.retrieve([along.id]))[0].vector).toBeUndefined();
  });

  it('scrolls every point across pages, ordered by id, with or without a filter', async () => {
    const seen: string[] = [];
    let offset: string | null = null;
    let pages = 0;
    do {
      const page = await store.scroll({ limit: 2, offset });
      seen.push(...page.points.map((p) => p.id));
      offset = page.next_offset;
      pages++;
    } while (offset !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.map((p) => p.id).sort());
    const filtered = await store.scroll({ limit: 10, filter: { section_title: 'Two' } });
    expect(filtered.points.map((p) => p.id)).toEqual([diagonal.id, orthogonal.id].sort());
    expect(filtered.next_offset).toBeNull();
  });

  it('scrolls ids only, in the same pages and order as a full scroll', async () => {
    const full = await store.scroll({ limit: 3 });
    const ids = await store.scrollIds({ limit: 3 });
    expect(ids).toEqual({ ids: full.points.map((p) => p.id), next_offset: full.next_offset });
    const rest = await store.scrollIds({ limit: 10, offset: ids.next_offset });
    expect([...ids.ids, ...rest.ids]).toEqual(all.map((p) => p.id).sort());
    expect(rest.next_offset).toBeNull();
  });

  it('reports the collection it runs on', async () => {
    const info = await store.collectionInfo();
    expect(info).toMatchObject({ vector_size: 4, distance: 'Cosine', points_count: 5 });
    expect(await store.ensureCollection()).toMatchObject({ vector_size: 4, distance: 'Cosine' });
    expect(await store.health()).toMatchObject({ status: 'up', points_count: 5 });
  });

  describe('writes', () => {
    let writable: VectorStore;
    beforeEach(async () => {
      writable = await target().open(4);
    });

    it('re-upserting the same id replaces the point instead of adding one', async () => {
      const p = point([1, 0, 0, 0]);
      await writable.upsert([p]);
      await writable.upsert([
        { ...p, vector: [0, 1, 0, 0], payload: { ...p.payload, text_content: 'changed' } },
      ]);
      expect(await writable.count()).toBe(1);
      const [hit] = await writable.search({ vector: [0, 1, 0, 0], limit: 1, with_payload: true });
      expect(hit).toMatchObject({ id: p.id, payload: { text_content: 'changed' } });
      expect(hit.score).toBeCloseTo(1, 5);
    });

    it('upserts in batches larger than one request', async () => {
      const many = Array.from({ length: 600 }, (_, i) => point([1, i, 0, 1], { chunk_index: i }));
      await writable.upsert(many);
      expect(await writable.count()).toBe(600);
    });

    it('replaces a payload, ignoring ids that do not exist', async () => {
      const p = point([1, 0, 0, 0]);
      await writable.upsert([p]);
      await writable.setPayload(p.id, payloadFor(p.id, { section_title: 'Renamed' }));
      await writable.setPayload(randomUUID(), payloadFor(p.id));
      expect((await writable.retrieve([p.id]))[0].payload.metadata.section_title).toBe('Renamed');
      expect(await writable.count()).toBe(1);
    });

    it('deletes by id (unknown ids are no error) and by filter', async () => {
      const [a, b, c] = [
        point([1, 0, 0, 0]),
        point([0, 1, 0, 0], { document_reference: 'gone.pdf' }),
        point([0, 0, 1, 0]),
      ];
      await writable.upsert([a, b, c]);
      await writable.deleteByIds([a.id, randomUUID()]);
      expect((await writable.retrieve([a.id, b.id, c.id])).map((p) => p.id)).toEqual([b.id, c.id]);
      await writable.deleteByFilter({ document_reference: 'gone.pdf' });
      expect((await writable.scroll({ limit: 10 })).points.map((p) => p.id)).toEqual([c.id]);
      await writable.deleteByFilter({});
      expect(await writable.count()).toBe(1);
    });

    it('rejects a wrong dimension, non-finite values, a zero vector and a non-UUID id, naming the item, before writing anything', async () => {
      const good = point([1, 0, 0, 0]);
      const short = point([1, 0, 0]);
      const error = await rejection(writable.upsert([good, short]));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toContain(`point 1 (id ${short.id})`);
      expect(error.message).toContain('3 values, the collection expects 4');
      expect(await writable.count()).toBe(0);

      expect((await rejection(writable.upsert([point([1, NaN, 0, 0])]))).message).toContain(
        'value 1 is not a finite number',
      );
      expect((await rejection(writable.upsert([point([0, 0, 0, 0])]))).message).toContain('norm zero');
      const badId = { ...good, id: 'chunk-7', payload: payloadFor('chunk-7') };
      expect((await rejection(writable.upsert([badId]))).message).toContain(
        'point 0 (id chunk-7): id must be a UUID',
      );
      expect((await rejection(writable.search({ vector: [1, 0], limit: 1 }))).code).toBe('VALIDATION_FAILED');
    });
  });

  describe('collections and aliases (what a rebuild uses)', () => {
    it('builds another physical collection beside the served one, then serves it through an alias', async () => {
      const served = await target().open(4);
      const name = (await served.collectionInfo())!.name;
      const old = point([1, 0, 0, 0]);
      await served.upsert([old]);
      expect(await served.servingCollection()).toBe(name);

      const next = `${name}_next`;
      const building = await served.onCollection(next);
      expect(await building.collectionInfo()).toBeNull();
      await building.ensureCollection();
      const rebuilt = [point([0, 1, 0, 0]), point([0, 0, 1, 0])];
      await building.upsert(rebuilt);
      expect(await building.count()).toBe(2);
      expect(await served.count()).toBe(1);
      const mine = (all: { name: string }[]) => all.filter((c) => c.name.startsWith(name));
      expect(mine(await served.listCollections())).toEqual([
        { name, aliases: [] },
        { name: next, aliases: [] },
      ]);
      await building.close();

      await served.switchAlias(next);
      expect(await served.servingCollection()).toBe(next);
      expect(await served.count()).toBe(2);
      expect((await served.search({ vector: [0, 1, 0, 0], limit: 1 }))[0].id).toBe(rebuilt[0].id);
      expect(await served.retrieve([old.id])).toEqual([]);
      // The plain collection that held the name is gone: an alias cannot share a collection's name.
      expect(mine(await served.listCollections())).toEqual([{ name: next, aliases: [name] }]);
      expect(await served.collectionInfo()).toMatchObject({ name, vector_size: 4, points_count: 2 });
      expect(await served.health()).toMatchObject({ status: 'up', points_count: 2 });

      // Writes through the name land in the collection it now reaches.
      const written = point([0, 0, 0, 1]);
      await served.upsert([written]);
      const reopened = await served.onCollection(next);
      expect((await reopened.retrieve([written.id])).map((p) => p.id)).toEqual([written.id]);
      await reopened.close();
    });

    it('moves the alias atomically from one physical collection to the next, and drops the old one only when asked', async () => {
      const served = await target().open(4);
      const name = (await served.collectionInfo())!.name;
      const build = async (suffix: string, points: VectorPoint[]) => {
        const store = await served.onCollection(`${name}_${suffix}`);
        await store.ensureCollection();
        await store.upsert(points);
        await store.close();
        return `${name}_${suffix}`;
      };
      const first = await build('1', [point([1, 0, 0, 0])]);
      await served.switchAlias(first);
      const second = await build('2', [point([1, 0, 0, 0]), point([0, 1, 0, 0])]);
      await served.switchAlias(second);
      expect(await served.count()).toBe(2);
      expect(await served.servingCollection()).toBe(second);
      const mine = async () => (await served.listCollections()).filter((c) => c.name.startsWith(name));
      expect(await mine()).toEqual([
        { name: first, aliases: [] },
        { name: second, aliases: [name] },
      ]);

      expect((await rejection(served.dropCollection(second))).code).toBe('VECTOR_STORE_REJECTED');
      expect((await rejection(served.dropCollection(name))).code).toBe('VECTOR_STORE_REJECTED');
      await served.dropCollection(first);
      expect(await mine()).toEqual([{ name: second, aliases: [name] }]);

      expect((await rejection(served.switchAlias(`${name}_missing`))).code).toBe('COLLECTION_MISSING');
      expect((await rejection(served.switchAlias(name))).code).toBe('VECTOR_STORE_REJECTED');
      expect(await served.servingCollection()).toBe(second);
      expect(await served.count()).toBe(2);
    });
  });

  it('finds the same top-10 as a brute-force reference over 5 000 random vectors, for 50 queries', async () => {
    const dim = 16;
    const big = await target().open(dim);
    const next = random(42);
    const points = Array.from({ length: 5_000 }, () => point(Array.from({ length: dim }, next)));
    await big.upsert(points);
    const unit = (v: number[]) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const normalisedPoints = points.map((p) => ({ id: p.id, v: unit(p.vector as number[]) }));
    for (let q = 0; q < 50; q++) {
      const vector = Array.from({ length: dim }, next);
      const u = unit(vector);
      const reference = normalisedPoints
        .map((p) => ({ id: p.id, score: p.v.reduce((sum, x, i) => sum + x * u[i], 0) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 10);
      const hits = await big.search({ vector, limit: 10 });
      expect(idsOf(hits)).toEqual(idsOf(reference));
      hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(reference[i].score, 4));
    }
  }, 60_000);
}
