import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RETRIEVAL_MODES, type RetrievalMode } from '../../logs/log.entity';
import type { SelectionOverlap } from '../retrieval.types';

export class RetrievalResultDto {
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'null only for the selection itself (source "selection")',
  })
  chunk_id!: string | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'vector and selected_text: cosine similarity; hybrid: the fused RRF score; null for the selection itself',
    example: 0.83,
  })
  score!: number | null;

  @ApiProperty({ description: '1-based', example: 1 })
  rank!: number;

  @ApiProperty({ example: 'A strain gauge changes its electrical resistance…' })
  chunk_text!: string;

  @ApiProperty({ nullable: true, type: String, example: 'robotics-handbook.pdf' })
  document_reference!: string | null;

  @ApiProperty({ nullable: true, type: Number, example: 42 })
  page_reference!: number | null;

  @ApiProperty({ nullable: true, type: String, example: 'Chapter 3 — Sensors' })
  section_title!: string | null;

  @ApiProperty({ nullable: true, type: Number, example: 7 })
  chunk_index!: number | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  metadata!: Record<string, unknown>;

  @ApiProperty({ example: 'Chapter 3 — Sensors, p. 42' })
  citation!: string;

  @ApiPropertyOptional({ description: 'hybrid: the lists the hit came from', example: ['vector', 'text'] })
  sources?: ('vector' | 'text')[];

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'hybrid: rank in the vector list' })
  vector_rank?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'hybrid: cosine similarity' })
  vector_score?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'hybrid: rank in the full-text list' })
  text_rank?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'hybrid: ts_rank' })
  text_score?: number | null;

  @ApiPropertyOptional({
    enum: ['contains_selection', 'within_selection', 'partial'],
    description: 'selected_text: how the chunk overlaps the selection',
  })
  overlap?: SelectionOverlap;

  @ApiPropertyOptional({
    enum: ['selection'],
    description: 'selected_text: no chunk overlaps the selection, so the selection itself is the result',
  })
  source?: 'selection';
}

export class SelectionScopeDto {
  @ApiProperty({ example: 412 })
  selected_text_chars!: number;

  @ApiProperty({
    type: [String],
    description: 'Every chunk found to overlap the selection: all that was searched',
  })
  matched_chunk_ids!: string[];

  @ApiProperty({ description: 'Always 0: nothing outside the selection is returned', example: 0 })
  out_of_scope_results!: 0;
}

export class TimingsDto {
  @ApiProperty({ description: 'ms embedding the query (0 for query_vector)' })
  embed!: number;

  @ApiProperty({ description: 'ms in the vector store' })
  vector_search!: number;

  @ApiProperty({ description: 'ms in PostgreSQL' })
  metadata!: number;

  @ApiProperty({ description: 'ms end to end (stages may run concurrently)' })
  total!: number;
}

export class RetrieveResponseDto {
  @ApiProperty()
  request_id!: string;

  @ApiProperty({ format: 'uuid', description: 'The retrieval log row (written shortly after the response)' })
  log_id!: string;

  @ApiProperty({ enum: RETRIEVAL_MODES })
  mode!: RetrievalMode;

  @ApiProperty({ type: [RetrievalResultDto] })
  results!: RetrievalResultDto[];

  @ApiProperty({ type: TimingsDto })
  timings_ms!: TimingsDto;

  @ApiPropertyOptional({ type: SelectionScopeDto, description: 'selected_text mode only' })
  scope?: SelectionScopeDto;
}
