import type { SearchHit } from '../vectors/vector-store';
import type { ChunkRow, DroppedCandidate } from './retrieval.types';

/** A hydrated row, with whether it still matches the request's filter by Postgres' own values. */
export type VerifiedRow = ChunkRow & { in_filter: boolean };

/**
 * Joins vector-store hits to the rows Postgres returned for them, keeping the vector store's
 * order. Postgres decides: a hit without a live row, or whose row no longer matches the filter
 * (a stale payload), is dropped and reported, never served.
 */
export function hydrateInOrder(
  hits: readonly SearchHit[],
  rows: ReadonlyMap<string, VerifiedRow>,
): { kept: { hit: SearchHit; row: ChunkRow }[]; dropped: DroppedCandidate[] } {
  const kept: { hit: SearchHit; row: ChunkRow }[] = [];
  const dropped: DroppedCandidate[] = [];
  for (const hit of hits) {
    const row = rows.get(hit.id.toLowerCase());
    if (!row) dropped.push({ chunk_id: hit.id, score: hit.score, reason: 'not_live' });
    else if (!row.in_filter) dropped.push({ chunk_id: hit.id, score: hit.score, reason: 'filter_mismatch' });
    else kept.push({ hit, row: withoutFlag(row) });
  }
  return { kept, dropped };
}

export function withoutFlag({ in_filter: _, ...row }: VerifiedRow): ChunkRow {
  return row;
}

export function byChunkId<T extends { chunk_id: string }>(rows: readonly T[]): Map<string, T> {
  return new Map(rows.map((row) => [row.chunk_id.toLowerCase(), row]));
}
