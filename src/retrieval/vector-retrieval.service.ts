import { Injectable } from '@nestjs/common';
import { VectorSearch, type VectorFilter } from '../vectors/vector-store';
import type { RetrieveRequestDto } from './dto/retrieve-request.dto';
import { byChunkId, hydrateInOrder } from './hydration';
import { QueryEmbedder } from './query-embedder.service';
import { RetrievalRepository } from './retrieval.repository';
import type { ModeOutcome } from './retrieval.types';
import { confirmedByPostgres } from './sql-state';
import type { StageTimer } from './stage-timer';
import { RetrievalModeHandler } from './retrieval-mode';

/** Extra candidates asked of the vector store, so a few dropped ones do not shorten the answer. */
export const DROP_MARGIN = 5;

/** `vector` mode: the vector store ranks, Postgres confirms and supplies the text (one statement). */
@Injectable()
export class VectorRetrieval extends RetrievalModeHandler {
  readonly mode = 'vector';

  constructor(
    private readonly embedder: QueryEmbedder,
    private readonly vectors: VectorSearch,
    private readonly repository: RetrievalRepository,
  ) {
    super();
  }

  async run(
    request: RetrieveRequestDto,
    filter: VectorFilter | undefined,
    timer: StageTimer,
  ): Promise<ModeOutcome> {
    const vector = await timer.measure('embed', () => this.embedder.vectorFor(request));
    const hits = await timer.measure('vector_search', () =>
      this.vectors.search({
        vector,
        limit: request.top_k + DROP_MARGIN,
        filter,
        score_threshold: request.score_threshold,
      }),
    );
    if (hits.length === 0) return { hits: [], dropped: [] };
    const rows = await timer.measure('metadata', () =>
      confirmedByPostgres(() =>
        this.repository.findLiveByIds(
          hits.map((hit) => hit.id),
          filter,
        ),
      ),
    );
    const { kept, dropped } = hydrateInOrder(hits, byChunkId(rows));
    return {
      hits: kept.slice(0, request.top_k).map(({ hit, row }) => ({ row, score: hit.score })),
      dropped,
    };
  }
}
