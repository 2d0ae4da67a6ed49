// Child process for the HNSW tests that need a process of their own: it must exit by itself once
// the store is closed (the graph's worker thread gone), and, in `no-native` mode, keep working
// where usearch's native module cannot load.
import Module from 'node:module';
import { randomUUID } from 'node:crypto';
import { LocalVectorStore } from '../../src/vectors/local/local-vector-store';
import { clusteredVectors } from '../factories/clustered-vectors';
import { payloadFor } from '../contract/vector-store.contract';

type Load = (this: unknown, request: string, ...rest: unknown[]) => unknown;

function refuseUsearch(): void {
  const loader = Module as unknown as { _load: Load };
  const original = loader._load;
  loader._load = function (request, ...rest) {
    if (request === 'usearch') throw new Error('no prebuild for this test');
    return original.call(this, request, ...rest);
  };
}

async function main(): Promise<void> {
  const [directory, mode] = process.argv.slice(2);
  if (mode === 'no-native') refuseUsearch();
  const dimension = 32;
  const store = await LocalVectorStore.open({
    directory,
    collection: 'book',
    vectorSize: dimension,
    ann: { minPoints: 100, efSearch: 64 },
  });
  await store.ensureCollection();
  const vectors = clusteredVectors(400, dimension, 3);
  const points = vectors.map((vector) => {
    const id = randomUUID();
    return { id, vector, payload: payloadFor(id) };
  });
  await store.upsert(points);
  // The first search starts the build (where the native module loaded); wait for it, bounded.
  await store.search({ vector: vectors[0], limit: 1 });
  const deadline = Date.now() + 15_000;
  while (
    mode === 'graph' &&
    !(store.annStatus().state === 'ready' && store.annStatus().pending_writes === 0)
  ) {
    if (Date.now() > deadline) throw new Error(`graph not ready: ${JSON.stringify(store.annStatus())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const [top] = await store.search({ vector: vectors[123], limit: 1 });
  process.stdout.write(`approximate searches: ${store.annStatus().approximate_searches}\n`);
  process.stdout.write(`top hit is the point itself: ${top.id === points[123].id ? 'yes' : 'no'}\n`);
  await store.close();
  process.stdout.write('closed\n');
}

void main();
