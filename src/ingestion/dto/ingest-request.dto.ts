import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { EXAMPLE_VECTOR } from '../../common/api-examples';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

export const ON_DUPLICATE = ['skip', 'overwrite', 'error'] as const;
export type OnDuplicate = (typeof ON_DUPLICATE)[number];
export const CLEANUP = ['none', 'full'] as const;
export type Cleanup = (typeof CLEANUP)[number];

/** Upper bound for the DTO; the configured INGEST_MAX_BATCH is checked by the service. */
const HARD_MAX_BATCH = 10_000;

export class IngestChunkDto {
  @ApiPropertyOptional({
    description: 'UUID; derived from document, index and content when absent',
    format: 'uuid',
  })
  @IsOptional()
  @IsUUID('all')
  chunk_id?: string;

  @ApiPropertyOptional({
    description: 'Position in the document; defaults to the position in the batch',
    example: 0,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  chunk_index?: number;

  @ApiProperty({ description: 'The chunk text', example: 'A sensor converts a physical quantity…' })
  @IsString()
  chunk_text!: string;

  @ApiPropertyOptional({
    description:
      'The embedding: as many finite numbers as the collection size, not all zero. Absent: the service ' +
      'embeds the text with its configured provider (reusing a stored embedding of the same text)',
    type: [Number],
    example: EXAMPLE_VECTOR,
  })
  // Checked by IngestRequestPipe and validateBatch, not class-validator (see the pipe).
  @Allow()
  embedding?: number[];

  @ApiPropertyOptional({ example: 42 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  page_reference?: number;

  @ApiPropertyOptional({ example: 'Chapter 3 — Sensors' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  section_title?: string;

  @ApiPropertyOptional({ description: 'Free-form JSON object', example: { figure: '3.2' } })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class IngestRequestDto {
  @ApiProperty({ description: 'The document these chunks belong to', example: 'robotics-handbook.pdf' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  document_reference!: string;

  @ApiPropertyOptional({
    description:
      'Model that produced the embeddings sent; default: the service provider’s model. Chunks without an ' +
      'embedding are embedded by the provider, so with any of those it must be the provider’s model',
    example: 'text-embedding-3-small',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  embedding_model?: string;

  @ApiPropertyOptional({ description: 'Pipeline version that produced the chunks', example: 'v1' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  processing_version?: string;

  @ApiPropertyOptional({ enum: ON_DUPLICATE, default: 'skip' })
  @IsOptional()
  @IsIn(ON_DUPLICATE)
  on_duplicate?: OnDuplicate;

  @ApiPropertyOptional({
    enum: CLEANUP,
    default: 'none',
    description: '`full`: soft-delete the document’s live chunks that are not in this batch',
  })
  @IsOptional()
  @IsIn(CLEANUP)
  cleanup?: Cleanup;

  @ApiPropertyOptional({
    description: 'How long to wait for the vectors to be searchable (201) before answering 202',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60_000)
  wait_ms?: number;

  @ApiProperty({ type: [IngestChunkDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(HARD_MAX_BATCH)
  @ValidateNested({ each: true })
  @Type(() => IngestChunkDto)
  chunks!: IngestChunkDto[];
}
