import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadQdrantConfig } from '../../config';
import { LocalVectorStore } from '../../src/vectors/local/local-vector-store';
import { QdrantVectorStore } from '../../src/vectors/qdrant/qdrant-vector-store';
import type { VectorStore } from '../../src/vectors/vector-store';
import { vectorStoreContract } from '../contract/vector-store.contract';
import { REAL_QDRANT_API_KEY_ENV, REAL_QDRANT_URL_ENV } from '../support/real-qdrant';
import { startQdrantDouble, type QdrantDouble } from '../qdrant-double/qdrant-double';

// Operation logs are debug lines from Nest's default logger; these tests assert on results.
Logger.overrideLogger(false);

/** A Qdrant adapter on a fresh collection at `url`, with a batch size small enough to exercise batching. */
async function openQdrant(
  url: string,
  vectorSize: number,
  created: string[],
  apiKey?: string,
): Promise<VectorStore> {
  const collection = `contract_${randomUUID().slice(0, 8)}`;
  created.push(collection);
  const base = loadQdrantConfig({});
  const store = new QdrantVectorStore({
    ...base,
    url,
    apiKey,
    collection,
    vectorSize,
    upsertBatchSize: 256,
    timeoutMs: 10_000,
  });
  await store.ensureCollection();
  return store;
}

describe('LocalVectorStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragstore-vectors-'));
  const stores: LocalVectorStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  vectorStoreContract(() => ({
    open: async (vectorSize) => {
      const store = await LocalVectorStore.open({ directory: dir, collection: randomUUID(), vectorSize });
      stores.push(store);
      await store.ensureCollection();
      return store;
    },
  }));
});

describe('QdrantVectorStore → Qdrant test double', () => {
  let double: QdrantDouble;
  const created: string[] = [];
  beforeAll(async () => {
    double = await startQdrantDouble();
  });
  afterAll(() => double.close());

  vectorStoreContract(() => ({ open: (vectorSize) => openQdrant(double.url, vectorSize, created) }));
});

describe('QdrantVectorStore → Qdrant test double in strict mode (unindexed filters refused, as Qdrant Cloud sets up)', () => {
  let double: QdrantDouble;
  const created: string[] = [];
  beforeAll(async () => {
    double = await startQdrantDouble({
      strictMode: { enabled: true, unindexed_filtering_retrieve: false, unindexed_filtering_update: false },
    });
  });
  afterAll(() => double.close());

  vectorStoreContract(() => ({ open: (vectorSize) => openQdrant(double.url, vectorSize, created) }));
});

// The caller's QDRANT_URL / QDRANT_API_KEY, set aside by the test setup (test/support/setup-env.ts).
const realQdrant = process.env[REAL_QDRANT_URL_ENV];
const realQdrantKey = process.env[REAL_QDRANT_API_KEY_ENV];
(realQdrant ? describe : describe.skip)('QdrantVectorStore → real Qdrant (set QDRANT_URL to run)', () => {
  const created: string[] = [];
  afterAll(async () => {
    // Only the collections this run created: contract_<random> and the rebuild targets named after them.
    const headers: Record<string, string> = realQdrantKey ? { 'api-key': realQdrantKey } : {};
    const listed = (await (await fetch(`${realQdrant}/collections`, { headers })).json()) as {
      result: { collections: { name: string }[] };
    };
    const names = listed.result.collections.map((c) => c.name);
    for (const name of names.filter((n) => created.some((c) => n.startsWith(c)))) {
      await fetch(`${realQdrant}/collections/${name}`, { method: 'DELETE', headers });
    }
  });

  vectorStoreContract(() => ({
    open: (vectorSize) => openQdrant(realQdrant!, vectorSize, created, realQdrantKey),
  }));
});
