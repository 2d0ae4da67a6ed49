import { ApiProperty } from '@nestjs/swagger';
import { RETRIEVAL_MODES, type LogEntity, type RetrievalMode } from '../log.entity';

export class LogResponseDto {
  @ApiProperty({ description: 'Log id', example: '9c0e1d2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f' })
  log_id!: string;

  @ApiProperty({ description: 'What the reader asked', example: 'What is a transaction?' })
  user_query!: string;

  @ApiProperty({
    description: 'Retrieved chunk ids with their scores, in rank order',
    example: [{ chunk_id: '3fb6c1a2-8d3e-4c4f-9a1b-2c3d4e5f6a7b', score: 0.83 }],
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

  @ApiProperty({ description: 'Retrieval mode', enum: RETRIEVAL_MODES, example: 'hybrid' })
  retrieval_mode!: RetrievalMode;

  @ApiProperty({
    description: 'Request id of the retrieval',
    example: 'trace-42',
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

  @ApiProperty({ description: 'Filters applied', example: { document_reference: 'book/chapter-03.md' } })
  filters!: Record<string, unknown>;

  @ApiProperty({
    description: 'Timings in milliseconds',
    example: { embed_ms: 12, search_ms: 8, hydrate_ms: 3 },
  })
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
