import type { VectorPoint } from '../vector-store';
import { VectorStoreError } from '../vector-store.errors';

/**
 * The most bytes one vector value can take in the JSON body: a float32 widened to a double
 * prints at most 17 significant digits, a sign, `0.` and up to six leading zeros (or an
 * exponent), plus the comma — 26 in all. An upper bound, so a batch sized by it never exceeds the
 * cap, without serializing each vector a second time just to measure it.
 */
const MAX_BYTES_PER_VALUE = 26;
/** `{"id":"<uuid>","vector":[],"payload":}` and the separators around a point. */
const POINT_OVERHEAD_BYTES = 64;
/** `{"points":[` … `]}` */
const BODY_OVERHEAD_BYTES = 16;

/**
 * Splits points into upsert requests of at most `maxPoints` points and `maxBytes` bytes of JSON,
 * in order. The payload is measured exactly (UTF-8, so non-Latin text counts its real size), the
 * vector by its bound. A single point that cannot fit is refused before anything is sent: the
 * server would answer 400 however often it were retried.
 */
export function upsertBatches(
  points: readonly VectorPoint[],
  maxPoints: number,
  maxBytes: number,
): VectorPoint[][] {
  const batches: VectorPoint[][] = [];
  let batch: VectorPoint[] = [];
  let bytes = BODY_OVERHEAD_BYTES;
  points.forEach((point, i) => {
    const size = pointBytes(point);
    // The bound may overstate a vector: only a point whose real JSON is too large is refused (one
    // that merely might be goes alone).
    if (size + BODY_OVERHEAD_BYTES > maxBytes) {
      const exact = exactBytes(point);
      if (exact > maxBytes) refuseOversized(point, i, exact, maxBytes);
    }
    if (batch.length > 0 && (batch.length === maxPoints || bytes + size > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = BODY_OVERHEAD_BYTES;
    }
    batch.push(point);
    bytes += size;
  });
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function pointBytes(point: VectorPoint): number {
  return (
    POINT_OVERHEAD_BYTES +
    point.vector.length * MAX_BYTES_PER_VALUE +
    Buffer.byteLength(JSON.stringify(point.payload), 'utf8')
  );
}

function exactBytes(point: VectorPoint): number {
  const body = { points: [{ id: point.id, vector: Array.from(point.vector), payload: point.payload }] };
  return Buffer.byteLength(JSON.stringify(body), 'utf8');
}

function refuseOversized(point: VectorPoint, index: number, exact: number, maxBytes: number): never {
  throw new VectorStoreError(
    'VALIDATION_FAILED',
    `point ${index} (id ${point.id}) is ${exact} bytes of JSON, over the ${maxBytes}-byte request cap ` +
      '(QDRANT_UPSERT_MAX_BYTES, under Qdrant max_request_size_mb): shorten its text or raise the cap',
  );
}
