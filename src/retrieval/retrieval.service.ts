import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { VectorFilter } from '../vectors/vector-store';
import { formatCitation } from './citation';
import type { RetrieveFilterDto, RetrieveRequestDto } from './dto/retrieve-request.dto';
import type { RetrievalResultDto, RetrieveResponseDto } from './dto/retrieve-response.dto';
import { RETRIEVAL_MODES, type RetrievalMode } from '../logs/log.entity';
import { RetrievalLogWriter } from './retrieval-log.writer';
import { handlersByMode, RETRIEVAL_MODE_HANDLERS, type RetrievalModeHandler } from './retrieval-mode';
import { RetrievalMetrics } from './retrieval.metrics';
import type { ModeOutcome, RetrievedHit } from './retrieval.types';
import { StageTimer } from './stage-timer';

/**
 * POST /v1/retrieve: runs the requested mode, formats the hits with citations, counts the
 * retrieval and queues its log row (written in the background, see RetrievalLogWriter).
 */
@Injectable()
export class RetrievalService {
  private readonly modes: Map<RetrievalMode, RetrievalModeHandler>;

  constructor(
    @Inject(RETRIEVAL_MODE_HANDLERS) handlers: RetrievalModeHandler[],
    private readonly logWriter: RetrievalLogWriter,
    private readonly metrics: RetrievalMetrics,
  ) {
    this.modes = handlersByMode(RETRIEVAL_MODES, handlers);
  }

  async retrieve(request: RetrieveRequestDto, requestId: string): Promise<RetrieveResponseDto> {
    const timer = new StageTimer();
    const filter = toVectorFilter(request.filter);
    const mode = this.modes.get(request.mode)!;
    const outcome = await mode.run(request, filter, timer);
    const timings = timer.timings();
    const results =
      outcome.matchedChunkIds?.length === 0 ? [selectionItself(request)] : outcome.hits.map(toResult);
    const logId = randomUUID();
    this.metrics.recordRetrieval(request.mode, timings, outcome.dropped);
    await this.logWriter.enqueue({
      row: {
        log_id: logId,
        user_query: request.query ?? '',
        retrieval_mode: request.mode,
        retrieved_chunks: traceOf(results, outcome),
        timestamp: new Date(),
        request_id: requestId,
        user_id: request.user_id ?? null,
        filters: parametersOf(request, filter, outcome),
        timings: { ...timings },
      },
      repairs: outcome.dropped,
    });
    return {
      request_id: requestId,
      log_id: logId,
      mode: request.mode,
      results,
      timings_ms: timings,
      ...(outcome.matchedChunkIds
        ? {
            scope: {
              selected_text_chars: request.selected_text!.length,
              matched_chunk_ids: outcome.matchedChunkIds,
              out_of_scope_results: 0 as const,
            },
          }
        : {}),
    };
  }
}

function toVectorFilter(filter: RetrieveFilterDto | undefined): VectorFilter | undefined {
  if (!filter) return undefined;
  const defined = Object.entries(filter).filter(([, value]) => value !== undefined);
  return defined.length === 0 ? undefined : Object.fromEntries(defined);
}

function toResult(hit: RetrievedHit, index: number): RetrievalResultDto {
  const { row, lists, overlap } = hit;
  return {
    chunk_id: row.chunk_id,
    score: hit.score,
    rank: index + 1,
    chunk_text: row.chunk_text,
    document_reference: row.document_reference,
    page_reference: row.page_reference,
    section_title: row.section_title,
    chunk_index: row.chunk_index,
    metadata: row.metadata,
    citation: formatCitation(row),
    ...(lists
      ? {
          sources: (['vector', 'text'] as const).filter((list) => lists[list]),
          vector_rank: lists.vector?.rank ?? null,
          vector_score: lists.vector?.score ?? null,
          text_rank: lists.text?.rank ?? null,
          text_score: lists.text?.score ?? null,
        }
      : {}),
    ...(overlap ? { overlap } : {}),
  };
}

/** No chunk overlaps the selection: the reader's own text is the only thing in scope. */
function selectionItself(request: RetrieveRequestDto): RetrievalResultDto {
  const reference = request.filter?.document_reference;
  const document_reference = typeof reference === 'string' ? reference : null;
  return {
    chunk_id: null,
    score: null,
    rank: 1,
    chunk_text: request.selected_text!,
    document_reference,
    page_reference: null,
    section_title: null,
    chunk_index: null,
    metadata: {},
    citation: formatCitation({ document_reference, section_title: null, page_reference: null }),
    source: 'selection',
  };
}

/** The log's retrieved_chunks: what was served, in order, then what hydration dropped and why. */
function traceOf(results: RetrievalResultDto[], outcome: ModeOutcome): unknown[] {
  return [
    ...results.map(({ chunk_id, rank, score, source, vector_rank, vector_score, text_rank, text_score }) => ({
      chunk_id,
      rank,
      score,
      ...(source ? { source } : {}),
      ...(vector_rank !== undefined ? { vector_rank, vector_score, text_rank, text_score } : {}),
    })),
    ...outcome.dropped.map(({ chunk_id, score, reason }) => ({
      chunk_id,
      rank: null,
      score,
      dropped: reason,
    })),
  ];
}

/** The log's filters: every request parameter that shaped the result. */
function parametersOf(
  request: RetrieveRequestDto,
  filter: VectorFilter | undefined,
  outcome: ModeOutcome,
): Record<string, unknown> {
  return {
    ...filter,
    top_k: request.top_k,
    query_source: request.query_vector ? 'query_vector' : 'query',
    ...(request.score_threshold !== undefined ? { score_threshold: request.score_threshold } : {}),
    ...(request.session_id !== undefined ? { session_id: request.session_id } : {}),
    ...(request.selected_text !== undefined
      ? { selected_text: request.selected_text, matched_chunk_ids: outcome.matchedChunkIds }
      : {}),
  };
}
