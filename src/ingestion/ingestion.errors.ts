import { DomainError } from '../common/errors';
import type { Duplicate, IngestPlan, PlannableWrite } from './ingest-plan';

/** Details name at most this many items: a 1 000-chunk batch of duplicates stays readable. */
const MAX_LISTED = 100;

export class DuplicateContentError extends DomainError {
  constructor(documentReference: string, duplicates: readonly Duplicate[]) {
    super(
      'DUPLICATE',
      `${duplicates.length} chunk(s) duplicate existing content of ${documentReference} (on_duplicate: "error")`,
      { duplicates: duplicates.slice(0, MAX_LISTED) },
    );
  }
}

/** A chunk id is the point id: an ingest never moves a chunk from one document to another. */
export class ChunkOfAnotherDocumentError extends DomainError {
  constructor(documentReference: string, foreign: IngestPlan<PlannableWrite>['foreign']) {
    super(
      'CONFLICT',
      `${foreign.length} chunk_id(s) already belong to another document; an ingest of ${documentReference} ` +
        'cannot take them over (delete them there first, or let the service derive the ids)',
      { chunks: foreign.slice(0, MAX_LISTED) },
    );
  }
}
