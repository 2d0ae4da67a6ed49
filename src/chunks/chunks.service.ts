import { Injectable } from '@nestjs/common';
import { changedFields, newValues } from '../audit-logs/audit-entry';
import { mapPage, type Page } from '../common/pagination';
import { ChunkChanges } from './chunk-changes';
import { ChunkNotFoundError } from './chunks.errors';
import { ChunksRepository, type ChunkMetadataChanges } from './chunks.repository';
import { toChunkResponse, type ChunkResponseDto } from './dto/chunk-response.dto';
import type { ListChunksQueryDto } from './dto/chunk-query.dto';
import type { UpdateChunkDto } from './dto/update-chunk.dto';

/** Single chunks: reads, metadata edits and deletes, each change one ChunkChanges unit of work. */
@Injectable()
export class ChunksService {
  constructor(
    private readonly chunks: ChunksRepository,
    private readonly changes: ChunkChanges,
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
  async update(chunkId: string, dto: UpdateChunkDto): Promise<ChunkResponseDto> {
    const { result } = await this.changes.apply(async (tx) => {
      const before = await this.chunks.lockById(tx, chunkId, { includeDeleted: false });
      if (!before) throw new ChunkNotFoundError(chunkId);
      const changes = changedFields(before, dto);
      if (Object.keys(changes).length === 0) return { audit: null, result: toChunkResponse(before) };
      const after = await this.chunks.updateMetadata(tx, chunkId, newValues<ChunkMetadataChanges>(changes));
      return {
        upserted: [chunkId],
        audit: {
          operation_type: 'update',
          resource_type: 'chunk',
          resource_id: chunkId,
          user_id: null,
          details: { changes },
        },
        result: toChunkResponse(after),
      };
    });
    return result;
  }

  /**
   * Soft: hides the chunk (a second soft delete is a 404, like any read). Hard: removes the row,
   * soft-deleted or not. Either way the vector store is told to drop the point.
   */
  async remove(chunkId: string, hard: boolean): Promise<void> {
    await this.changes.apply(async (tx) => {
      const chunk = await this.chunks.lockById(tx, chunkId, { includeDeleted: hard });
      if (!chunk) throw new ChunkNotFoundError(chunkId);
      if (hard) await this.chunks.hardDelete(tx, chunkId);
      else await this.chunks.softDelete(tx, chunkId);
      return {
        deleted: [chunkId],
        audit: {
          operation_type: hard ? 'hard_delete' : 'soft_delete',
          resource_type: 'chunk',
          resource_id: chunkId,
          user_id: null,
          details: { document_reference: chunk.document_reference, chunk_index: chunk.chunk_index },
        },
        result: undefined,
      };
    });
  }
}
