import { ApiProperty } from '@nestjs/swagger';
import { RETRIEVAL_MODES, type LogEntity, type RetrievalMode } from '../log.entity';

/** The stage timings of the retrieval, as its response's timings_ms reported them. */
export class LogTimingsDto {
  @ApiProperty({ description: 'ms embedding the query (0 for query_vector)', example: 3.12 })
  embed!: number;

  @ApiProperty({ description: 'ms in the vector store', example: 4.51 })
  vector_search!: number;

  @ApiProperty({ description: 'ms in PostgreSQL', example: 1.87 })
  metadata!: number;

  @ApiProperty({ description: 'ms end to end (stages may run concurrently)', example: 9.73 })
  total!: number;
}

export class LogResponseDto {
  @ApiProperty({ description: 'Log id', example: '9c0e1d2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f' })
  log_id!: string;

  @ApiProperty({ description: 'What the reader asked', example: 'What is a transaction?' })
  user_query!: string;

  @ApiProperty({
    description:
      'The results in rank order ({chunk_id, rank, score}, hybrid: also each list’s rank and score), ' +
      'then the hits dropped by PostgreSQL ({chunk_id, rank: null, score, dropped})',
    example: [{ chunk_id: '3fb6c1a2-8d3e-4c4f-9a1b-2c3d4e5f6a7b', rank: 1, score: 0.83 }],
    type: 'array',
    items: { type: 'object' },
  })
  retrieved_chunks!: unknown[];

  @ApiProperty({
    description: 'The generated answer, once attached',
    example: 'A transaction is…',
    nullable: true,
    type: String,
  })
  response!: string | null;

  @ApiProperty({ description: 'When the retrieval ran', example: '2025-11-24T10:00:00.000Z' })
  timestamp!: Date;

  @ApiProperty({ description: 'Retrieval mode', enum: RETRIEVAL_MODES, example: 'vector' })
  retrieval_mode!: RetrievalMode;

  @ApiProperty({
    description: 'Request id of the retrieval',
    example: '0f8fad5b-d9cb-469f-a165-70867728950e',
    nullable: true,
    type: String,
  })
  request_id!: string | null;

  @ApiProperty({
    description: 'Reader, if known',
    example: '5d1f7a40-8c8e-4f57-9d0b-7d8f8c4c2a10',
    nullable: true,
    type: String,
  })
  user_id!: string | null;

  @ApiProperty({
    description:
      'Every request parameter that shaped the result: the filter, top_k, query_source (query or ' +
      'query_vector), and score_threshold, session_id, selected_text when sent',
    example: {
      document_reference: 'robotics-handbook.pdf',
      top_k: 5,
      query_source: 'query',
      session_id: 'session-42',
    },
  })
  filters!: Record<string, unknown>;

  @ApiProperty({ type: LogTimingsDto, description: 'Stage timings in milliseconds' })
  timings!: Record<string, number>;
}

export function toLogResponse(log: LogEntity): LogResponseDto {
  return {
    log_id: log.log_id,
    user_query: log.user_query,
    retrieved_chunks: log.retrieved_chunks,
    response: log.response,
    timestamp: log.timestamp,
    retrieval_mode: log.retrieval_mode,
    request_id: log.request_id,
    user_id: log.user_id,
    filters: log.filters,
    timings: log.timings,
  };
}
