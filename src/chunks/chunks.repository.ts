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

const INSERT_COLUMNS = [
  'chunk_id',
  'document_reference',
  'chunk_index',
  'chunk_text',
  'content_hash',
  'embedding',
  'embedding_model',
  'page_reference',
  'section_title',
  'processing_version',
  'metadata',
  'sync_status',
  'embedding_id',
  'fingerprints',
];
/** PostgreSQL takes at most 65 535 parameters per statement. */
const INSERT_ROWS_PER_STATEMENT = Math.floor(65_535 / INSERT_COLUMNS.length);

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
   * Multi-row VALUES, one statement per INSERT_ROWS_PER_STATEMENT rows. Each embedding travels as
   * one binary parameter (4 bytes a dimension): inside an unnest array pg would send it as hex
   * text, twice the bytes, parsed by the server — measured 1.2× slower (docs/PERFORMANCE.md).
   * Embeddings are stored as float32 LE bytes; absent optional fields take the column defaults'
   * values.
   */
  async insertMany(manager: EntityManager, rows: readonly NewChunkRow[]): Promise<void> {
    for (let from = 0; from < rows.length; from += INSERT_ROWS_PER_STATEMENT) {
      const values: unknown[] = [];
      const tuples = rows.slice(from, from + INSERT_ROWS_PER_STATEMENT).map((r) => {
        const slots = [
          r.chunk_id,
          r.document_reference,
          r.chunk_index,
          r.chunk_text,
          r.content_hash,
          Buffer.isBuffer(r.embedding) ? r.embedding : encodeEmbedding(r.embedding),
          r.embedding_model,
          r.page_reference ?? null,
          r.section_title ?? null,
          r.processing_version ?? 'v1',
          JSON.stringify(r.metadata ?? {}),
          r.sync_status ?? 'pending',
          r.embedding_id ?? null,
          fingerprintsLiteral(r.chunk_text),
        ].map((value) => `$${values.push(value)}`);
        return `(${slots.join(', ')})`;
      });
      await manager.query(
        `INSERT INTO chunks (${INSERT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`,
        values,
      );
    }
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
