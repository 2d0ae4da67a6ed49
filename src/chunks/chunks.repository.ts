import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  DataSource,
  type EntityManager,
  type QueryDeepPartialEntity,
  type SelectQueryBuilder,
} from 'typeorm';
import type { Page, PageRequest } from '../common/pagination';
import { keysetOrder, paginateKeyset } from '../database/keyset-pagination';
import { ChunkEntity, type SyncStatus } from './chunk.entity';

const READING_ORDER = keysetOrder('ASC', ['chunk_index', 'integer'], ['chunk_id', 'uuid']);

export type ChunkMetadataChanges = Partial<
  Pick<ChunkEntity, 'section_title' | 'page_reference' | 'metadata'>
>;

export interface ChunkVisibility {
  includeDeleted: boolean;
}

@Injectable()
export class ChunksRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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
