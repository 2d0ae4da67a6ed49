import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { oneOf } from '../database/check';

export const SYNC_STATUSES = ['pending', 'synced', 'failed'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/**
 * One chunk of a book. Postgres is the system of record: text, metadata and the embedding
 * (float32, little-endian) live here; the vector store holds a rebuildable copy keyed by chunk_id.
 */
@Entity({ name: 'chunks' })
@Index('chunks_document_reference_chunk_index_idx', ['document_reference', 'chunk_index'])
@Index('chunks_live_content_hash_key', ['document_reference', 'content_hash'], {
  unique: true,
  where: 'deleted_at IS NULL',
})
// Server-side embedding reuses a stored vector of the same text by the same model, whatever the
// document (src/chunks/stored-embeddings.repository.ts).
@Index('chunks_embedding_model_content_hash_idx', ['embedding_model', 'content_hash'])
@Index('chunks_deleted_at_idx', ['deleted_at'], { where: 'deleted_at IS NOT NULL' })
// Written by hand in the migration (GIN operator classes TypeORM cannot express).
@Index('chunks_search_vector_idx', { synchronize: false })
@Index('chunks_fingerprints_idx', { synchronize: false })
@Check('chunks_sync_status_check', oneOf('sync_status', SYNC_STATUSES))
@Check('chunks_chunk_index_check', `chunk_index >= 0`)
export class ChunkEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'chunks_pkey' })
  chunk_id!: string;

  @Column({ type: 'text' })
  document_reference!: string;

  @Column({ type: 'integer', nullable: true })
  page_reference!: number | null;

  @Column({ type: 'text', nullable: true })
  section_title!: string | null;

  @Column({ type: 'text' })
  chunk_text!: string;

  /** The point id actually written to the vector store (equal to chunk_id unless re-embedded). */
  @Column({ type: 'uuid', nullable: true })
  embedding_id!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated_at!: Date;

  @Column({ type: 'text', default: 'v1' })
  processing_version!: string;

  @Column({ type: 'integer' })
  chunk_index!: number;

  /** SHA-256 (hex) of the normalised text: duplicate detection within a document. */
  @Column({ type: 'char', length: 64 })
  content_hash!: string;

  @Column({ type: 'bytea', select: false })
  embedding!: Buffer;

  @Column({ type: 'text' })
  embedding_model!: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  metadata!: Record<string, unknown>;

  @Column({ type: 'text', default: 'pending' })
  sync_status!: SyncStatus;

  @Column({ type: 'timestamptz', nullable: true })
  synced_at!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  deleted_at!: Date | null;

  /** Full-text search over the section title and the text (hybrid retrieval). */
  @Column({
    type: 'tsvector',
    select: false,
    insert: false,
    update: false,
    generatedType: 'STORED',
    asExpression: `to_tsvector('english', coalesce(section_title, '') || ' ' || chunk_text)`,
  })
  search_vector?: string;

  /**
   * Winnowed hashes of the text's six-word runs, written by the application with the row
   * (src/chunks/text-shingles.ts): how selected-text retrieval finds overlapping chunks.
   */
  @Column({ type: 'integer', array: true, select: false, default: () => `'{}'` })
  fingerprints?: number[];
}
