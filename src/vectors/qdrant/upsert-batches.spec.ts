import { randomUUID } from 'node:crypto';
import type { ChunkPayload, VectorPoint } from '../vector-store';
import { VectorStoreError } from '../vector-store.errors';
import { upsertBatches } from './upsert-batches';

function point(dims: number, text: string): VectorPoint {
  const id = randomUUID();
  const vector = Array.from({ length: dims }, (_, i) => Math.fround(Math.sin(i + 1) / 1e3));
  return { id, vector, payload: { chunk_id: id, text_content: text } as unknown as ChunkPayload };
}

const bodyBytes = (batch: VectorPoint[]) =>
  Buffer.byteLength(
    JSON.stringify({
      points: batch.map((p) => ({ id: p.id, vector: Array.from(p.vector), payload: p.payload })),
    }),
  );

describe('upsertBatches', () => {
  it('splits by point count when the points are small', () => {
    const points = Array.from({ length: 600 }, () => point(4, 'short'));
    expect(upsertBatches(points, 256, 16 * 1024 * 1024).map((b) => b.length)).toEqual([256, 256, 88]);
  });

  it('splits by serialized size: 4096-d vectors with 20 000 non-Latin characters stay under the cap, in order', () => {
    const text = 'ж'.repeat(20_000); // 2 bytes each in UTF-8
    const points = Array.from({ length: 256 }, () => point(4096, text));
    const cap = 8 * 1024 * 1024;
    const batches = upsertBatches(points, 256, cap);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(points);
    for (const batch of batches) expect(bodyBytes(batch)).toBeLessThanOrEqual(cap);
    // Not needlessly small: each full batch uses over half the cap.
    for (const batch of batches.slice(0, -1)) expect(bodyBytes(batch)).toBeGreaterThan(cap / 2);
  });

  it('refuses a single point larger than the cap, naming it, instead of sending a request that can never pass', () => {
    const big = point(16, 'x'.repeat(200_000));
    const error = (() => {
      try {
        upsertBatches([point(16, 'ok'), big], 256, 100_000);
      } catch (e) {
        return e as VectorStoreError;
      }
    })();
    expect(error).toBeInstanceOf(VectorStoreError);
    expect(error!.code).toBe('VALIDATION_FAILED');
    expect(error!.message).toContain(`point 1 (id ${big.id})`);
    expect(error!.message).toContain('QDRANT_UPSERT_MAX_BYTES');
  });
});
