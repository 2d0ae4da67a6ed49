import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { changedFields, newValues } from '../audit-logs/audit-entry';
import { AuditLogsService } from '../audit-logs/audit-logs.service';
import { mapPage, type Page } from '../common/pagination';
import { ChunkOutboxRepository } from './chunk-outbox.repository';
import { ChunkNotFoundError } from './chunks.errors';
import { ChunksRepository, type ChunkMetadataChanges } from './chunks.repository';
import { toChunkResponse, type ChunkResponseDto } from './dto/chunk-response.dto';
import type { ListChunksQueryDto } from './dto/chunk-query.dto';
import type { UpdateChunkDto } from './dto/update-chunk.dto';

/**
 * Postgres is the system of record for chunks; every change that the vector store must follow
 * enqueues outbox work in the same transaction, so a crash can never leave the two disagreeing
 * without a pending outbox row to repair it.
 */
@Injectable()
export class ChunksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly chunks: ChunksRepository,
    private readonly outbox: ChunkOutboxRepository,
    private readonly audit: AuditLogsService,
  ) {}

  async get(chunkId: string, includeDeleted: boolean): Promise<ChunkResponseDto> {
    const chunk = await this.chunks.findById(chunkId, { includeDeleted });
    if (!chunk) throw new ChunkNotFoundError(chunkId);
    return toChunkResponse(chunk);
  }

  async listByDocument(query: ListChunksQueryDto): Promise<Page<ChunkResponseDto>> {
    const page = await this.chunks.listByDocument(
      query.document_reference,
      { includeDeleted: query.include_deleted },
      query,
    );
    return mapPage(page, toChunkResponse);
  }

  /** A real change re-syncs the payload (pending + upsert); a no-op PATCH writes nothing. */
  update(chunkId: string, dto: UpdateChunkDto): Promise<ChunkResponseDto> {
    return this.dataSource.transaction(async (manager) => {
      const before = await this.chunks.lockById(manager, chunkId, { includeDeleted: false });
      if (!before) throw new ChunkNotFoundError(chunkId);
      const changes = changedFields(before, dto);
      if (Object.keys(changes).length === 0) return toChunkResponse(before);
      const after = await this.chunks.updateMetadata(
        manager,
        chunkId,
        newValues<ChunkMetadataChanges>(changes),
      );
      await this.outbox.enqueue(manager, [chunkId], 'upsert');
      await this.audit.record(manager, {
        operation_type: 'update',
        resource_type: 'chunk',
        resource_id: chunkId,
        user_id: null,
        details: { changes },
      });
      return toChunkResponse(after);
    });
  }

  /**
   * Soft: hides the chunk (a second soft delete is a 404, like any read). Hard: removes the row,
   * soft-deleted or not. Either way the vector store is told to drop the point.
   */
  remove(chunkId: string, hard: boolean): Promise<void> {
    return this.dataSource.transaction(async (manager) => {
      const chunk = await this.chunks.lockById(manager, chunkId, { includeDeleted: hard });
      if (!chunk) throw new ChunkNotFoundError(chunkId);
      if (hard) {
        await this.chunks.hardDelete(manager, chunkId);
      } else {
        await this.chunks.softDelete(manager, chunkId);
      }
      await this.outbox.enqueue(manager, [chunkId], 'delete');
      await this.audit.record(manager, {
        operation_type: hard ? 'hard_delete' : 'soft_delete',
        resource_type: 'chunk',
        resource_id: chunkId,
        user_id: null,
        details: { document_reference: chunk.document_reference, chunk_index: chunk.chunk_index },
      });
    });
  }
}
