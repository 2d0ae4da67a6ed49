import { ApiProperty } from '@nestjs/swagger';

export const CHUNK_INGEST_STATUSES = ['synced', 'pending', 'skipped'] as const;
export type ChunkIngestStatus = (typeof CHUNK_INGEST_STATUSES)[number];

export class IngestedChunkDto {
  @ApiProperty({ format: 'uuid' })
  chunk_id!: string;

  @ApiProperty({ example: 0 })
  chunk_index!: number;

  @ApiProperty({ enum: CHUNK_INGEST_STATUSES })
  status!: ChunkIngestStatus;
}

export class IngestResponseDto {
  @ApiProperty({ format: 'uuid' })
  ingest_id!: string;

  @ApiProperty({ example: 'robotics-handbook.pdf' })
  document_reference!: string;

  @ApiProperty({ example: 500 })
  created!: number;

  @ApiProperty({ example: 0 })
  updated!: number;

  @ApiProperty({ example: 0 })
  skipped!: number;

  @ApiProperty({ description: 'Chunks soft-deleted by cleanup: "full"', example: 0 })
  deleted!: number;

  @ApiProperty({
    description:
      'Chunks the service’s embedding provider embedded (the others came with a vector or reused a stored one)',
    example: 500,
  })
  embedded!: number;

  @ApiProperty({ description: 'The model of the embeddings written', example: 'text-embedding-3-small' })
  embedding_model!: string;

  @ApiProperty({ type: [IngestedChunkDto] })
  chunks!: IngestedChunkDto[];
}
