import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returningRows } from '../database/returning';
import { CHUNK_WRITE_COLUMNS, chunkValues, type ChunkWrite, type NewChunkRow } from './chunk-columns';

/** A row that collides with an ingest batch. */
export interface CollidingChunk {
  chunk_id: string;
  document_reference: string;
  content_hash: string;
  live: boolean;
}

/** Every column an overwrite replaces from the new row (all but the key). */
const OVERWRITE_SET = CHUNK_WRITE_COLUMNS.filter((c) => c.name !== 'chunk_id')
  .map((c) => `${c.name} = v.${c.name}`)
  .join(', ');

/**
 * A document's chunks as a set: the statements of the ingest and document-delete paths. Every
 * statement is set-based, so a batch of a thousand chunks costs a handful of round trips.
 */
@Injectable()
export class DocumentChunksRepository {
  /**
   * Serialises concurrent ingests of one document for the rest of the transaction, so two
   * identical requests racing each other cannot both insert (works through PgBouncer: the lock
   * is transaction-scoped).
   */
  async lockDocument(manager: EntityManager, documentReference: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [documentReference]);
  }

  /**
   * Multi-row VALUES (chunkValues): each embedding travels as one binary parameter — inside an
   * unnest array pg would send it as hex text, twice the bytes, parsed by the server (measured
   * 1.2× slower, docs/performance-history.md). Absent optional fields take the column defaults' values.
   */
  async insertMany(manager: EntityManager, rows: readonly NewChunkRow[]): Promise<void> {
    for (const { columns, tuples, parameters } of chunkValues(rows)) {
      await manager.query(`INSERT INTO chunks (${columns}) VALUES ${tuples}`, parameters);
    }
  }

  /** Rows that collide with the batch: same id (live or soft-deleted), or same live content. */
  async findCollisions(
    manager: EntityManager,
    documentReference: string,
    chunkIds: readonly string[],
    contentHashes: readonly string[],
  ): Promise<CollidingChunk[]> {
    return manager.query(
      `SELECT chunk_id, document_reference, content_hash, deleted_at IS NULL AS live
         FROM chunks
        WHERE chunk_id = ANY($2::uuid[])
           OR (document_reference = $1 AND deleted_at IS NULL AND content_hash = ANY($3::bpchar[]))`,
      [documentReference, chunkIds, contentHashes],
    );
  }

  /**
   * Overwrites existing rows (by chunk_id) with every write column (CHUNK_WRITE_COLUMNS), reviving
   * soft-deleted ones; the rows are pending until the relay re-syncs them.
   */
  async overwriteMany(manager: EntityManager, rows: readonly ChunkWrite[]): Promise<void> {
    for (const { columns, tuples, parameters } of chunkValues(rows)) {
      await manager.query(
        `UPDATE chunks c SET ${OVERWRITE_SET}, deleted_at = NULL, updated_at = now()
           FROM (VALUES ${tuples}) AS v(${columns})
          WHERE c.chunk_id = v.chunk_id`,
        parameters,
      );
    }
  }

  /** cleanup: "full" — soft-deletes the document's live chunks that the new batch does not keep. */
  async softDeleteOthers(
    manager: EntityManager,
    documentReference: string,
    keepIds: readonly string[],
  ): Promise<string[]> {
    const rows = await returningRows<{ chunk_id: string }>(
      manager,
      `UPDATE chunks SET deleted_at = now(), updated_at = now()
        WHERE document_reference = $1 AND deleted_at IS NULL AND NOT (chunk_id = ANY($2::uuid[]))
        RETURNING chunk_id`,
      [documentReference, keepIds],
    );
    return rows.map((r) => r.chunk_id);
  }

  /** Soft-deletes every live chunk of a document; returns their ids. */
  async softDeleteDocument(manager: EntityManager, documentReference: string): Promise<string[]> {
    return this.softDeleteOthers(manager, documentReference, []);
  }

  /** Removes every row of a document, live or soft-deleted; returns their ids. */
  async hardDeleteDocument(manager: EntityManager, documentReference: string): Promise<string[]> {
    const rows = await returningRows<{ chunk_id: string }>(
      manager,
      `DELETE FROM chunks WHERE document_reference = $1 RETURNING chunk_id`,
      [documentReference],
    );
    return rows.map((r) => r.chunk_id);
  }

  /**
   * Hard-deletes chunks soft-deleted more than `retentionDays` ago. Their points went with the
   * soft delete; any still queued outbox work finds no row and removes the point anyway.
   */
  async purgeSoftDeleted(manager: EntityManager, retentionDays: number, limit: number): Promise<string[]> {
    const rows = await returningRows<{ chunk_id: string }>(
      manager,
      `DELETE FROM chunks
        WHERE chunk_id IN (SELECT chunk_id FROM chunks
                            WHERE deleted_at < now() - make_interval(days => $1)
                            ORDER BY deleted_at LIMIT $2)
        RETURNING chunk_id`,
      [retentionDays, limit],
    );
    return rows.map((r) => r.chunk_id);
  }
}
