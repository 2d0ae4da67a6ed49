import { Logger } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalVectorStore } from '../../src/vectors/local/local-vector-store';
import type { VectorPoint } from '../../src/vectors/vector-store';
import { VectorStoreError } from '../../src/vectors/vector-store.errors';
import { payloadFor } from '../contract/vector-store.contract';

// Operation logs are debug lines from Nest's default logger; these tests assert on results.
Logger.overrideLogger(false);

const ROOT = join(__dirname, '..', '..');

function point(i: number): VectorPoint {
  const id = randomUUID();
  return { id, vector: [1, i, 0, 0], payload: payloadFor(id, { chunk_index: i }) };
}

describe('LocalVectorStore persistence', () => {
  let dir: string;
  const open = (collection: string, options: { vectorSize?: number; compactAfterBytes?: number } = {}) =>
    LocalVectorStore.open({ directory: dir, collection, vectorSize: options.vectorSize ?? 4, ...options });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ragstore-vectors-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds after a restart every write made before it: upserts, payload changes and deletes', async () => {
    const first = await open('book');
    await first.ensureCollection();
    const points = [point(1), point(2), point(3)];
    await first.upsert(points);
    await first.setPayload(points[0].id, payloadFor(points[0].id, { section_title: 'Changed' }));
    await first.deleteByIds([points[2].id]);
    await first.close();

    const second = await open('book');
    expect(await second.count()).toBe(2);
    const [hit] = await second.search({ vector: [1, 1, 0, 0], limit: 1, with_payload: true });
    expect(hit.id).toBe(points[0].id);
    expect(hit.payload?.metadata.section_title).toBe('Changed');
    await second.close();
  });

  it('keeps everything across compaction into a snapshot, and after it', async () => {
    const first = await open('book', { compactAfterBytes: 2_000 });
    await first.ensureCollection();
    const points = Array.from({ length: 40 }, (_, i) => point(i));
    for (const p of points) await first.upsert([p]);
    await first.deleteByIds([points[0].id]);
    expect(readdirSync(join(dir, 'book'))).toContain('snapshot.bin');
    expect(statSync(join(dir, 'book', 'wal.log')).size).toBeLessThan(2_000);
    await first.close();

    const second = await open('book');
    expect(await second.count()).toBe(39);
    expect((await second.retrieve([points[0].id, points[39].id])).map((p) => p.id)).toEqual([points[39].id]);
    await second.close();
  });

  it('loses only the torn final record when the log ends mid-record, and keeps appending after it', async () => {
    const first = await open('book');
    await first.ensureCollection();
    const kept = point(1);
    const torn = point(2);
    await first.upsert([kept]);
    const intact = statSync(join(dir, 'book', 'wal.log')).size;
    await first.upsert([torn]);
    await first.close();
    // A crash part-way through the second write: only some of its bytes reached the file.
    truncateSync(join(dir, 'book', 'wal.log'), intact + 30);

    const second = await open('book');
    expect((await second.retrieve([kept.id, torn.id])).map((p) => p.id)).toEqual([kept.id]);
    expect(statSync(join(dir, 'book', 'wal.log')).size).toBe(intact);
    const later = point(3);
    await second.upsert([later]);
    await second.close();

    const third = await open('book');
    expect(await third.count()).toBe(2);
    await third.close();
  });

  it('loses nothing acknowledged when the process is killed with SIGKILL in the middle of writing', async () => {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, 'vector-local-writer.fixture.ts'), dir, 'book'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'silent' } },
    );
    const acknowledged: string[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        acknowledged.push(...lines.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4)));
        // Enough writes to have compacted at least once (64 KiB of log) before the kill.
        if (acknowledged.length >= 400) resolve();
      });
      child.once('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await exited;

    const store = await open('book', { vectorSize: 8 });
    const found = await store.retrieve(acknowledged);
    expect(found).toHaveLength(acknowledged.length);
    expect(await store.count()).toBeGreaterThanOrEqual(acknowledged.length);
    await store.close();
  }, 30_000);

  // The process dies at an exact point of compaction or of an append (see the fixture), as a
  // power cut or an OOM kill would leave it: every write it acknowledged must be there after.
  it.each([
    ['with the new snapshot written but not yet renamed into place', 'before-rename'],
    ['part-way through writing the new snapshot', 'mid-snapshot'],
    ['with the new snapshot in place but the log not yet emptied', 'after-rename'],
    ['with the final log record torn (half of it on disk)', 'torn-append'],
  ])(
    'loses nothing acknowledged when killed %s',
    async (_name, mode) => {
      const child = spawn(
        process.execPath,
        [
          '-r',
          '@swc-node/register',
          join(__dirname, 'vector-local-crash.fixture.ts'),
          dir,
          'book',
          mode,
          '3',
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'silent' } },
      );
      const acknowledged: string[] = [];
      let buffered = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) if (line.startsWith('ack ')) acknowledged.push(...line.slice(4).split(','));
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const signal = await new Promise((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
      expect({ signal, stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
      expect(acknowledged.length).toBeGreaterThanOrEqual(3 * 300);
      if (mode !== 'torn-append') expect(readdirSync(join(dir, 'book'))).toContain('snapshot.bin');

      const store = await open('book', { vectorSize: 8 });
      expect((await store.retrieve(acknowledged)).map((p) => p.id).sort()).toEqual([...acknowledged].sort());
      // The unacknowledged write is all or nothing: never a part of its points.
      expect([acknowledged.length, acknowledged.length + 300]).toContain(await store.count());
      // And the store goes on: a write after the recovery survives the next restart.
      const later = { ...point(1), vector: [1, 2, 3, 4, 5, 6, 7, 8] };
      await store.upsert([later]);
      await store.close();
      const reopened = await open('book', { vectorSize: 8 });
      expect((await reopened.retrieve([later.id, ...acknowledged])).length).toBe(acknowledged.length + 1);
      await reopened.close();
    },
    60_000,
  );

  it('refuses a collection created with another vector size, naming both sizes', async () => {
    const first = await open('book', { vectorSize: 4 });
    await first.ensureCollection();
    await first.close();
    const second = await open('book', { vectorSize: 8 });
    const error = await second.ensureCollection().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VectorStoreError);
    expect((error as VectorStoreError).code).toBe('COLLECTION_MISMATCH');
    expect((error as VectorStoreError).message).toContain('size 4');
    expect((error as VectorStoreError).message).toContain('VECTOR_SIZE is 8');
    expect(await second.health()).toEqual({ status: 'down', reason: 'size_mismatch' });
    await second.close();
  });
});
