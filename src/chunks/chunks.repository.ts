import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  DataSource,
  type EntityManager,
  type QueryDeepPartialEntity,
  type SelectQueryBuilder,
} from 'typeorm';
import { keysetOrder, paginateKeyset, type Page, type PageRequest } from '../common/pagination';
import { ChunkEntity, type SyncStatus } from './chunk.entity';
import { encodeEmbedding } from './embedding-codec';
import { fingerprintsLiteral } from './text-shingles';

const READING_ORDER = keysetOrder('ASC', ['chunk_index', 'integer'], ['chunk_id', 'uuid']);

/** A chunk to insert. Omitted optional fields take the column defaults. */
export interface NewChunkRow {
  chunk_id: string;
  document_reference: string;
  chunk_index: number;
  chunk_text: string;
  /** SHA-256 hex of the normalised text. */
  content_hash: string;
  /** The vector, or its float32 LE encoding. */
  embedding: ArrayLike<number> | Buffer;
  embedding_model: string;
  page_reference?: number | null;
  section_title?: string | null;
  embedding_id?: string | null;
  processing_version?: string;
  metadata?: Record<string, unknown>;
  sync_status?: SyncStatus;
}

export type ChunkMetadataChanges = Partial<
  Pick<ChunkEntity, 'section_title' | 'page_reference' | 'metadata'>
>;

export interface ChunkVisibility {
  includeDeleted: boolean;
}

@Injectable()
export class ChunksRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One statement for the whole batch, whatever its size: columns travel as arrays and unnest
   * into rows (no per-row parameters, so no 65 535-parameter ceiling). Embeddings are stored as
   * float32 LE bytes; absent optional fields take the column defaults' values.
   */
  async insertMany(manager: EntityManager, rows: readonly NewChunkRow[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO chunks (chunk_id, document_reference, chunk_index, chunk_text, content_hash, embedding,
                           embedding_model, page_reference, section_title, processing_version, metadata,
                           sync_status, embedding_id, fingerprints)
       SELECT v.chunk_id, v.document_reference, v.chunk_index, v.chunk_text, v.content_hash, v.embedding,
              v.embedding_model, v.page_reference, v.section_title, v.processing_version, v.metadata,
              v.sync_status, v.embedding_id, v.fingerprints::integer[]
         FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::bpchar[], $6::bytea[],
                     $7::text[], $8::int[], $9::text[], $10::text[], $11::jsonb[], $12::text[],
                     $13::uuid[], $14::text[])
           AS v(chunk_id, document_reference, chunk_index, chunk_text, content_hash, embedding,
                embedding_model, page_reference, section_title, processing_version, metadata,
                sync_status, embedding_id, fingerprints)`,
      [
        rows.map((r) => r.chunk_id),
        rows.map((r) => r.document_reference),
        rows.map((r) => r.chunk_index),
        rows.map((r) => r.chunk_text),
        rows.map((r) => r.content_hash),
        rows.map((r) => (Buffer.isBuffer(r.embedding) ? r.embedding : encodeEmbedding(r.embedding))),
        rows.map((r) => r.embedding_model),
        rows.map((r) => r.page_reference ?? null),
        rows.map((r) => r.section_title ?? null),
        rows.map((r) => r.processing_version ?? 'v1'),
        rows.map((r) => JSON.stringify(r.metadata ?? {})),
        rows.map((r) => r.sync_status ?? 'pending'),
        rows.map((r) => r.embedding_id ?? null),
        // A text[] of int4[] literals: an int4[][] would unnest into single integers.
        rows.map((r) => fingerprintsLiteral(r.chunk_text)),
      ],
    );
  }

  findById(
    chunkId: string,
    visibility: ChunkVisibility,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ChunkEntity | null> {
    return this.byId(manager, chunkId, visibility).getOne();
  }

  /** The row locked until the transaction ends, so concurrent writes to one chunk serialize. */
  lockById(
    manager: EntityManager,
    chunkId: string,
    visibility: ChunkVisibility,
  ): Promise<ChunkEntity | null> {
    return this.byId(manager, chunkId, visibility).setLock('pessimistic_write').getOne();
  }

  /** A metadata change makes the vector store's payload stale: the chunk is pending until re-synced. */
  updateMetadata(
    manager: EntityManager,
    chunkId: string,
    changes: ChunkMetadataChanges,
  ): Promise<ChunkEntity> {
    return this.updateReturning(manager, chunkId, { ...changes, sync_status: 'pending' });
  }

  softDelete(manager: EntityManager, chunkId: string): Promise<ChunkEntity> {
    return this.updateReturning(manager, chunkId, { deleted_at: () => 'now()' });
  }

  async hardDelete(manager: EntityManager, chunkId: string): Promise<void> {
    await manager.delete(ChunkEntity, { chunk_id: chunkId });
  }

  /** In reading order; served by chunks_document_reference_chunk_index_idx. */
  listByDocument(
    documentReference: string,
    visibility: ChunkVisibility,
    page: PageRequest,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Page<ChunkEntity>> {
    const qb = this.visible(manager, visibility).andWhere('c.document_reference = :documentReference', {
      documentReference,
    });
    return paginateKeyset(qb, READING_ORDER, page);
  }

  private byId(
    manager: EntityManager,
    chunkId: string,
    visibility: ChunkVisibility,
  ): SelectQueryBuilder<ChunkEntity> {
    return this.visible(manager, visibility).andWhere('c.chunk_id = :chunkId', { chunkId });
  }

  private visible(manager: EntityManager, visibility: ChunkVisibility): SelectQueryBuilder<ChunkEntity> {
    const qb = manager.createQueryBuilder(ChunkEntity, 'c');
    return visibility.includeDeleted ? qb : qb.where('c.deleted_at IS NULL');
  }

  private async updateReturning(
    manager: EntityManager,
    chunkId: string,
    set: ChunkMetadataChanges & { sync_status?: SyncStatus; deleted_at?: () => string },
  ): Promise<ChunkEntity> {
    // Every selectable column: never the embedding bytes or the search vector.
    const columns = manager.connection
      .getMetadata(ChunkEntity)
      .columns.filter((column) => column.isSelect)
      .map((column) => column.propertyName);
    const result = await manager
      .createQueryBuilder()
      .update(ChunkEntity)
      .set(set as QueryDeepPartialEntity<ChunkEntity>)
      .where('chunk_id = :chunkId', { chunkId })
      .returning(columns)
      .execute();
    return manager.create(ChunkEntity, (result.raw as object[])[0]);
  }
}
