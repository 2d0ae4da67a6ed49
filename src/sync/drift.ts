import type { ChunkPayload } from '../vectors/vector-store';
import { payloadMatches } from './chunk-point';
import type { ChunkForCheck } from './consistency.repository';

export const DRIFT_KINDS = [
  'missing_in_vector_store',
  'orphaned_in_vector_store',
  'stale_payload',
  'deleted_but_present',
  'stuck_pending',
  'failed',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/**
 * How one Postgres row disagrees with the vector store, or null when it does not. `point` is the
 * stored payload of the chunk's point (undefined when there is none). Orphans — points without a
 * row — are found by the reverse pass.
 */
export function classifyRow(
  row: ChunkForCheck,
  point: ChunkPayload | undefined,
  stuckAfterMs: number,
): DriftKind | null {
  if (row.deleted) return point ? 'deleted_but_present' : null;
  if (row.sync_status === 'failed') return 'failed';
  if (row.sync_status === 'pending') {
    // Pending with nothing queued can never sync; queued work is stuck once it is old.
    return !row.queued || row.pending_for_ms > stuckAfterMs ? 'stuck_pending' : null;
  }
  if (!point) return 'missing_in_vector_store';
  return payloadMatches(row, point) ? null : 'stale_payload';
}

/** What repair does about a drift: re-send the row, remove the point, or retry the failed sync. */
export function repairFor(kind: DriftKind): 'upsert' | 'delete' | 'retry' {
  if (kind === 'orphaned_in_vector_store' || kind === 'deleted_but_present') return 'delete';
  return kind === 'failed' ? 'retry' : 'upsert';
}
