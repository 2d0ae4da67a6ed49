// Child process for the kill -9 test: upserts one point at a time and prints each id only after
// the store has acknowledged it, so the parent knows exactly what was promised.
import { randomUUID } from 'node:crypto';
import { LocalVectorStore } from '../../src/vectors/local/local-vector-store';
import { payloadFor } from '../contract/vector-store.contract';

async function main(): Promise<void> {
  const [directory, collection] = process.argv.slice(2);
  const store = await LocalVectorStore.open({
    directory,
    collection,
    vectorSize: 8,
    compactAfterBytes: 64 * 1024,
  });
  await store.ensureCollection();
  for (let i = 0; ; i++) {
    const id = randomUUID();
    await store.upsert([
      {
        id,
        vector: Array.from({ length: 8 }, (_, k) => k + i + 1),
        payload: payloadFor(id, { chunk_index: i }),
      },
    ]);
    process.stdout.write(`ack ${id}\n`);
  }
}

void main();
