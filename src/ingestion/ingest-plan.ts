/**
 * The duplicate policy of an ingest, as a pure decision over what the document already holds.
 * Unit-tested case by case in ingest-plan.spec.ts.
 */

export type DuplicatePolicy = 'skip' | 'overwrite' | 'error';

/** What a batch chunk is matched on. */
export interface PlannableWrite {
  chunk_id: string;
  chunk_index: number;
  content_hash: string;
}

/** A row that collides with the batch: same id (any document, live or not), or same live content. */
export interface ExistingChunk {
  chunk_id: string;
  document_reference: string;
  content_hash: string;
  live: boolean;
}

export type PlannedAction = 'insert' | 'overwrite' | 'skip';

export interface PlannedChunk<W extends PlannableWrite> {
  /** The write, its chunk_id replaced by the row it lands on (a duplicate keeps the existing id). */
  write: W;
  action: PlannedAction;
}

export interface Duplicate {
  index: number;
  chunk_id: string;
  existing_chunk_id: string;
}

export interface IngestPlan<W extends PlannableWrite> {
  planned: PlannedChunk<W>[];
  /** Batch chunks that repeat existing content (or content earlier in the batch). */
  duplicates: Duplicate[];
  /** Batch chunk ids that belong to another document: never moved by an ingest. */
  foreign: { index: number; chunk_id: string; document_reference: string }[];
}

/**
 * Decides each chunk's fate. A chunk collides with an existing row by id (live or soft-deleted)
 * or by live content; a soft-deleted row of the same id is revived in place, live duplicates
 * follow the policy, and a repeat of earlier content in the same batch is a duplicate of that
 * earlier chunk. A chunk id held by another document is reported, never taken over.
 */
export function planIngest<W extends PlannableWrite>(
  documentReference: string,
  writes: readonly W[],
  existing: readonly ExistingChunk[],
  onDuplicate: DuplicatePolicy,
): IngestPlan<W> {
  const byId = new Map(existing.map((e) => [e.chunk_id, e]));
  const liveByHash = new Map(
    existing
      .filter((e) => e.live && e.document_reference === documentReference)
      .map((e) => [e.content_hash, e]),
  );
  const firstInBatch = new Map<string, string>();
  const duplicates: Duplicate[] = [];
  const foreign: IngestPlan<W>['foreign'] = [];

  const planned = writes.map((write): PlannedChunk<W> => {
    const found = byId.get(write.chunk_id);
    if (found && found.document_reference !== documentReference) {
      foreign.push({
        index: write.chunk_index,
        chunk_id: write.chunk_id,
        document_reference: found.document_reference,
      });
    }
    const sameId = found?.document_reference === documentReference ? found : undefined;
    const sameContent = liveByHash.get(write.content_hash);
    const earlierInBatch = firstInBatch.get(write.content_hash);
    const match = (sameId?.live ? sameId : undefined) ?? sameContent;
    if (!earlierInBatch) firstInBatch.set(write.content_hash, match?.chunk_id ?? write.chunk_id);
    if (!earlierInBatch && sameId && !sameId.live && !sameContent) return { write, action: 'overwrite' };
    if (!match && !earlierInBatch) return { write, action: 'insert' };
    const existingId = earlierInBatch ?? match!.chunk_id;
    duplicates.push({ index: write.chunk_index, chunk_id: write.chunk_id, existing_chunk_id: existingId });
    if (onDuplicate === 'overwrite' && match && !earlierInBatch) {
      return { write: { ...write, chunk_id: match.chunk_id }, action: 'overwrite' };
    }
    return { write: { ...write, chunk_id: existingId }, action: 'skip' };
  });
  return { planned, duplicates, foreign };
}

export const countOf = (planned: readonly PlannedChunk<PlannableWrite>[], action: PlannedAction) =>
  planned.filter((p) => p.action === action).length;
