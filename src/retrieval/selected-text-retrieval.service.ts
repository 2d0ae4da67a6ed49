import { Injectable } from '@nestjs/common';
import { VectorSearch, type VectorFilter } from '../vectors/vector-store';
import type { RetrieveRequestDto } from './dto/retrieve-request.dto';
import { byChunkId } from './hydration';
import { QueryEmbedder } from './query-embedder.service';
import { RetrievalRepository, type OverlappingRow } from './retrieval.repository';
import type { ModeOutcome, SelectionOverlap } from './retrieval.types';
import { selectionProbe } from './selection-probe';
import { TermStatisticsCache } from './term-statistics.service';
import { confirmedByPostgres } from './sql-state';
import type { StageTimer } from './stage-timer';
import { RetrievalModeHandler } from './retrieval-mode';

/** Chunks a selection may overlap (a few pages of a book). */
const MAX_SELECTION_CHUNKS = 200;

/**
 * `selected_text` mode: only the chunks that overlap the reader's selection are candidates, and
 * the vector search is restricted to their ids, so nothing outside the selection can come back.
 * The overlap query returns the live rows themselves: it is the only statement.
 */
@Injectable()
export class SelectedTextRetrieval extends RetrievalModeHandler {
  readonly mode = 'selected_text';

  constructor(
    private readonly embedder: QueryEmbedder,
    private readonly vectors: VectorSearch,
    private readonly repository: RetrievalRepository,
    private readonly termStatistics: TermStatisticsCache,
  ) {
    super();
  }

  async run(
    request: RetrieveRequestDto,
    filter: VectorFilter | undefined,
    timer: StageTimer,
  ): Promise<ModeOutcome> {
    const selection = request.selected_text!;
    const [vector, rows] = await Promise.all([
      timer.measure('embed', () => this.embedder.vectorFor(request)),
      timer.measure('metadata', () =>
        confirmedByPostgres(() =>
          this.repository.findOverlapping(
            selection,
            // A word in more chunks than a selection may overlap narrows its phrase's candidates little.
            selectionProbe(selection, this.termStatistics.commonWords(MAX_SELECTION_CHUNKS)),
            filter,
            MAX_SELECTION_CHUNKS,
          ),
        ),
      ),
    ]);
    const matchedChunkIds = rows.map((row) => row.chunk_id);
    if (rows.length === 0) return { hits: [], dropped: [], matchedChunkIds };
    const hits = await timer.measure('vector_search', () =>
      this.vectors.search({
        vector,
        limit: request.top_k,
        filter: { ...filter, ids: matchedChunkIds },
        score_threshold: request.score_threshold,
      }),
    );
    const inSelection = byChunkId(rows);
    return {
      // The id restriction already guarantees it; checking again costs nothing and makes a bug
      // in an adapter's filter unable to leak text from outside the selection.
      hits: hits
        .filter((hit) => inSelection.has(hit.id.toLowerCase()))
        .map((hit) => {
          const { contains_selection, within_selection, ...row } = inSelection.get(hit.id.toLowerCase())!;
          return {
            row: row,
            score: hit.score,
            overlap: overlapOf({ contains_selection, within_selection }),
          };
        }),
      dropped: [],
      matchedChunkIds,
    };
  }
}

function overlapOf(row: Pick<OverlappingRow, 'contains_selection' | 'within_selection'>): SelectionOverlap {
  if (row.contains_selection) return 'contains_selection';
  return row.within_selection ? 'within_selection' : 'partial';
}
