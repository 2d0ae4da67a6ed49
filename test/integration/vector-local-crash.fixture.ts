// Child process for the crash-point tests: writes points one at a time, printing each id only
// after the store acknowledged it, and after `armAfter` acknowledgements SIGKILLs itself at an
// exact point of the store's write path. The points are reached by wrapping the file-system calls
// the store makes (swc's CommonJS output calls `fs.renameSync` etc. through the module object),
// so the store's own code runs unchanged up to the kill.
//   before-rename  compaction wrote and fsynced snapshot.tmp; killed before renaming it into place
//   mid-snapshot   compaction wrote part of snapshot.tmp; killed before finishing it
//   after-rename   the new snapshot is in place; killed before the log is emptied
//   torn-append    an append reached the file only in part (half a record); killed before the rest
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { LocalVectorStore } from '../../src/vectors/local/local-vector-store';
import { payloadFor } from '../contract/vector-store.contract';

const [directory, collection, mode, armAfter] = process.argv.slice(2);
let armed = false;
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

const renameSync = fs.renameSync;
fs.renameSync = (from, to) => {
  const intoSnapshot = String(to).endsWith('snapshot.bin');
  if (armed && intoSnapshot && mode === 'before-rename') die();
  renameSync(from, to);
  if (armed && intoSnapshot && mode === 'after-rename') die();
};
const writeFileSync = fs.writeFileSync;
let snapshotRecords = 0;
fs.writeFileSync = (
  file: fs.PathOrFileDescriptor,
  data: string | NodeJS.ArrayBufferView,
  options?: fs.WriteFileOptions,
) => {
  writeFileSync(file, data, options);
  if (armed && mode === 'mid-snapshot' && typeof file === 'number' && ++snapshotRecords === 2) {
    fs.fsyncSync(file); // what reached the disk before the power went, at worst
    die();
  }
};
async function main(): Promise<void> {
  // FileHandle's class is not exported: its prototype is the one every handle shares.
  const probe = await fs.promises.open(__filename, 'r');
  const handlePrototype = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> };
  await probe.close();
  const write = handlePrototype.write;
  handlePrototype.write = async function (this: fs.promises.FileHandle, ...args: unknown[]) {
    const buffer = args[0];
    if (armed && mode === 'torn-append' && Buffer.isBuffer(buffer)) {
      await write.call(this, buffer.subarray(0, Math.floor(buffer.length / 2)));
      await this.datasync();
      die();
    }
    return write.apply(this, args);
  };

  const store = await LocalVectorStore.open({
    directory,
    collection,
    vectorSize: 8,
    compactAfterBytes: 200 * 1024,
  });
  await store.ensureCollection();
  for (let i = 0; ; i++) {
    // 300 points a write: a compaction's snapshot (512 points a record) soon spans several records.
    const batch = Array.from({ length: 300 }, (_, k) => {
      const id = randomUUID();
      return {
        id,
        vector: Array.from({ length: 8 }, (_, d) => d + i + k + 1),
        payload: payloadFor(id, { chunk_index: i }),
      };
    });
    await store.upsert(batch);
    process.stdout.write(`ack ${batch.map((p) => p.id).join(',')}\n`);
    if (i + 1 >= Number(armAfter)) armed = true;
  }
}

void main();
