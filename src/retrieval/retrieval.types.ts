import type { RetrievalMode } from '../logs/log.entity';

export type { RetrievalMode };

/** A live chunk as retrieval returns it (the columns a reader sees, never the embedding). */
export interface ChunkRow {
  chunk_id: string;
  document_reference: string;
  page_reference: number | null;
  section_title: string | null;
  chunk_text: string;
  chunk_index: number;
  metadata: Record<string, unknown>;
}

export type RankedList = 'vector' | 'text';

/** One ranked, verified hit before it is formatted for the response. */
export interface RetrievedHit {
  row: ChunkRow;
  score: number;
  /** Hybrid mode: the lists the hit came from, with its 1-based rank and score in each. */
  lists?: Partial<Record<RankedList, { rank: number; score: number }>>;
  /** Selected-text mode: how the chunk overlaps the selection. */
  overlap?: SelectionOverlap;
}

export type SelectionOverlap = 'contains_selection' | 'within_selection' | 'partial';

/**
 * Why a vector-store candidate was not served: Postgres has no live row for it (hard- or
 * soft-deleted: the point should go), or its live row no longer matches the filter (the point's
 * payload is stale and should be re-sent). Either way the vector store is repaired from Postgres.
 */
export type DropReason = 'not_live' | 'filter_mismatch';

export interface DroppedCandidate {
  chunk_id: string;
  score: number;
  reason: DropReason;
}

export interface Timings {
  embed: number;
  vector_search: number;
  metadata: number;
  total: number;
}

/** What one mode produces; the service formats it, logs it and counts it. */
export interface ModeOutcome {
  hits: RetrievedHit[];
  dropped: DroppedCandidate[];
  /** Selected-text mode only: the chunks found to overlap the selection. */
  matchedChunkIds?: string[];
}
