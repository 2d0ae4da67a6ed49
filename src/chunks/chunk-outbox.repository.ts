import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { OutboxOperation } from './vector-outbox.entity';

/**
 * Writes work for the vector store into vector_outbox. Always called with the transaction that
 * changes the chunks, so Qdrant hears about exactly the changes Postgres committed; the relay
 * (ingestion) consumes the rows.
 */
@Injectable()
export class ChunkOutboxRepository {
  async enqueue(
    manager: EntityManager,
    chunkIds: readonly string[],
    operation: OutboxOperation,
  ): Promise<void> {
    if (chunkIds.length === 0) return;
    await manager.query(`INSERT INTO vector_outbox (chunk_id, operation) SELECT unnest($1::uuid[]), $2`, [
      chunkIds,
      operation,
    ]);
  }
}
