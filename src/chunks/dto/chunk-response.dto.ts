import { ApiProperty } from '@nestjs/swagger';
import { SYNC_STATUSES, type ChunkEntity, type SyncStatus } from '../chunk.entity';

/** A chunk as the API shows it: everything but the embedding bytes and the search vector. */
export class ChunkResponseDto {
  @ApiProperty({
    description: 'Chunk id; also the vector store point id',
    example: '3fb6c1a2-8d3e-4c4f-9a1b-2c3d4e5f6a7b',
  })
  chunk_id!: string;

  @ApiProperty({ description: 'Source document', example: 'book/chapter-03.md' })
  document_reference!: string;

  @ApiProperty({ description: 'Page in the book', example: 42, nullable: true, type: Number })
  page_reference!: number | null;

  @ApiProperty({ description: 'Section heading', example: 'Transactions', nullable: true, type: String })
  section_title!: string | null;

  @ApiProperty({ description: 'The text', example: 'A transaction is a unit of work…' })
  chunk_text!: string;

  @ApiProperty({
    description: 'Point id written to the vector store',
    example: '3fb6c1a2-8d3e-4c4f-9a1b-2c3d4e5f6a7b',
    nullable: true,
    type: String,
  })
  embedding_id!: string | null;

  @ApiProperty({ description: 'Processing pipeline version', example: 'v1' })
  processing_version!: string;

  @ApiProperty({ description: 'Position in the document, from 0', example: 7 })
  chunk_index!: number;

  @ApiProperty({ description: 'SHA-256 (hex) of the normalised text', example: 'a'.repeat(64) })
  content_hash!: string;

  @ApiProperty({ description: 'Embedding model', example: 'text-embedding-3-large' })
  embedding_model!: string;

  @ApiProperty({ description: 'Free-form metadata', example: { figure: 'Fig. 3.2' } })
  metadata!: Record<string, unknown>;

  @ApiProperty({ description: 'Vector store sync state', enum: SYNC_STATUSES, example: 'synced' })
  sync_status!: SyncStatus;

  @ApiProperty({
    description: 'Last sync to the vector store',
    example: '2025-11-24T10:00:00.000Z',
    nullable: true,
    type: Date,
  })
  synced_at!: Date | null;

  @ApiProperty({ description: 'Soft-deletion time', example: null, nullable: true, type: Date })
  deleted_at!: Date | null;

  @ApiProperty({ description: 'Creation time', example: '2025-11-20T08:30:00.000Z' })
  created_at!: Date;

  @ApiProperty({ description: 'Last change', example: '2025-11-24T10:00:00.000Z' })
  updated_at!: Date;
}

export function toChunkResponse(chunk: ChunkEntity): ChunkResponseDto {
  return {
    chunk_id: chunk.chunk_id,
    document_reference: chunk.document_reference,
    page_reference: chunk.page_reference,
    section_title: chunk.section_title,
    chunk_text: chunk.chunk_text,
    embedding_id: chunk.embedding_id,
    processing_version: chunk.processing_version,
    chunk_index: chunk.chunk_index,
    content_hash: chunk.content_hash,
    embedding_model: chunk.embedding_model,
    metadata: chunk.metadata,
    sync_status: chunk.sync_status,
    synced_at: chunk.synced_at,
    deleted_at: chunk.deleted_at,
    created_at: chunk.created_at,
    updated_at: chunk.updated_at,
  };
}
