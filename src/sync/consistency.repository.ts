import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SyncStatus } from '../chunks/chunk.entity';
import { PAYLOAD_SELECT, type PayloadSource } from './chunk-point';

/** What the consistency check compares for one chunk: what the payload copies, and its sync state. */
export type ChunkForCheck = PayloadSource & {
  sync_status: SyncStatus;
  deleted: boolean;
  /** Outbox work exists for the chunk. */
  queued: boolean;
  pending_for_ms: number;
};

@Injectable()
export class ConsistencyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One keyset page of every chunk row, deleted ones included, in chunk_id order. */
  async page(afterChunkId: string | null, limit: number): Promise<ChunkForCheck[]> {
    return this.dataSource.query(
      `SELECT ${PAYLOAD_SELECT}, c.sync_status, c.deleted_at IS NOT NULL AS deleted,
              EXISTS (SELECT 1 FROM vector_outbox o WHERE o.chunk_id = c.chunk_id) AS queued,
              (extract(epoch FROM now() - c.updated_at) * 1000)::float8 AS pending_for_ms
         FROM chunks c
        WHERE $1::uuid IS NULL OR c.chunk_id > $1::uuid
        ORDER BY c.chunk_id
        LIMIT $2`,
      [afterChunkId, limit],
    );
  }

  /** The ids among `chunkIds` that have a row (live or soft-deleted). */
  async existing(chunkIds: readonly string[]): Promise<Set<string>> {
    const rows: { chunk_id: string }[] = await this.dataSource.query(
      `SELECT chunk_id FROM chunks WHERE chunk_id = ANY($1::uuid[])`,
      [chunkIds],
    );
    return new Set(rows.map((r) => r.chunk_id));
  }
}
