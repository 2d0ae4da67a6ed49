import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { retrievalConfig } from '../../config';
import { VectorSearch, type VectorFilter } from '../vectors/vector-store';
import type { RetrieveRequestDto } from './dto/retrieve-request.dto';
import { byChunkId, hydrateInOrder, withoutFlag } from './hydration';
import { QueryEmbedder } from './query-embedder.service';
import { reciprocalRankFusion } from './rank-fusion';
import { textQuery, usesWebsearchSyntax } from './text-query';
import { TermStatisticsCache } from './term-statistics.service';
import { RetrievalRepository } from './retrieval.repository';
import type { ModeOutcome, RankedList } from './retrieval.types';
import { confirmedByPostgres } from './sql-state';
import type { StageTimer } from './stage-timer';
import { RetrievalModeHandler } from './retrieval-mode';

/**
 * `hybrid` mode: the vector top N and the Postgres full-text top N, fused by weighted reciprocal
 * rank fusion. The full-text search and the hydration of the vector hits are one statement.
 */
@Injectable()
export class HybridRetrieval extends RetrievalModeHandler {
  readonly mode = 'hybrid';

  constructor(
    private readonly embedder: QueryEmbedder,
    private readonly vectors: VectorSearch,
    private readonly repository: RetrievalRepository,
    private readonly termStatistics: TermStatisticsCache,
    @Inject(retrievalConfig.KEY) private readonly config: ConfigType<typeof retrievalConfig>,
  ) {
    super();
  }

  async run(
    request: RetrieveRequestDto,
    filter: VectorFilter | undefined,
    timer: StageTimer,
  ): Promise<ModeOutcome> {
    const candidates = Math.max(request.top_k, this.config.hybridCandidates);
    const matchLimit = Math.max(candidates, this.config.textMatchLimit);
    const query = request.query!;
    const vector = await timer.measure('embed', () => this.embedder.vectorFor(request));
    const hits = await timer.measure('vector_search', () =>
      this.vectors.search({ vector, limit: candidates, filter, score_threshold: request.score_threshold }),
    );
    const rows = await timer.measure('metadata', () =>
      confirmedByPostgres(() =>
        this.repository.findHybridCandidates({
          vectorIds: hits.map((hit) => hit.id),
          query: textQuery(query, this.config.textMaxTerms),
          commonLexemes: usesWebsearchSyntax(query) ? null : this.termStatistics.commonLexemes(matchLimit),
          filter,
          limit: candidates,
          matchLimit,
          served: request.top_k,
        }),
      ),
    );
    const byId = byChunkId(rows);
    const { kept, dropped } = hydrateInOrder(hits, byId);
    const textHits = rows.filter((row) => row.text_rank !== null).sort((a, b) => a.text_rank! - b.text_rank!);
    const fused = reciprocalRankFusion<RankedList>(
      [
        { list: 'vector', ids: kept.map(({ row }) => row.chunk_id), weight: this.config.weightVector },
        { list: 'text', ids: textHits.map((row) => row.chunk_id), weight: this.config.weightText },
      ],
      this.config.rrfK,
    );
    const vectorScores = new Map(kept.map(({ hit, row }) => [row.chunk_id, hit.score]));
    return {
      hits: fused.slice(0, request.top_k).map(({ id, score, ranks }) => {
        const row = byId.get(id)!;
        return {
          row: withoutFlag(row),
          score,
          lists: {
            ...(ranks.vector ? { vector: { rank: ranks.vector, score: vectorScores.get(id)! } } : {}),
            ...(ranks.text ? { text: { rank: ranks.text, score: row.text_score! } } : {}),
          },
        };
      }),
      dropped,
    };
  }
}
