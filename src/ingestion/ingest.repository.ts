import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { NewChunkRow } from '../chunks/chunks.repository';
import { fingerprintsLiteral } from '../chunks/text-shingles';
import { returningRows } from '../database/returning';

/** A chunk row as ingestion writes it: every field decided, the embedding already encoded. */
export type ChunkWrite = Required<Omit<NewChunkRow, 'embedding_id' | 'sync_status' | 'embedding'>> & {
  embedding: Buffer;
};

export interface ExistingChunk {
  chunk_id: string;
  content_hash: string;
  live: boolean;
}

/**
 * The SQL of the ingest write path. Every statement is set-based (unnest), so a batch of a
 * thousand chunks costs a handful of round trips, not a thousand.
 */
@Injectable()
export class IngestRepository {
  /**
   * Serialises concurrent ingests of one document for the rest of the transaction, so two
   * identical requests racing each other cannot both insert (works through PgBouncer: the lock
   * is transaction-scoped).
   */
  async lockDocument(manager: EntityManager, documentReference: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [documentReference]);
  }

  /** Rows that collide with the batch: same id (live or soft-deleted), or same live content. */
  async findCollisions(
    manager: EntityManager,
    documentReference: string,
    chunkIds: readonly string[],
    contentHashes: readonly string[],
  ): Promise<ExistingChunk[]> {
    return manager.query(
      `SELECT chunk_id, content_hash, deleted_at IS NULL AS live
         FROM chunks
        WHERE chunk_id = ANY($2::uuid[])
           OR (document_reference = $1 AND deleted_at IS NULL AND content_hash = ANY($3::bpchar[]))`,
      [documentReference, chunkIds, contentHashes],
    );
  }

  /** Overwrites existing rows (by chunk_id) in full, reviving soft-deleted ones, and re-syncs them. */
  async overwriteMany(manager: EntityManager, rows: readonly ChunkWrite[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `UPDATE chunks c
          SET document_reference = v.document_reference, chunk_index = v.chunk_index,
              chunk_text = v.chunk_text, content_hash = v.content_hash, embedding = v.embedding,
              embedding_model = v.embedding_model, page_reference = v.page_reference,
              section_title = v.section_title, processing_version = v.processing_version,
              metadata = v.metadata, fingerprints = v.fingerprints::integer[], sync_status = 'pending',
              deleted_at = NULL, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::bpchar[], $6::bytea[],
                     $7::text[], $8::int[], $9::text[], $10::text[], $11::jsonb[], $12::text[])
           AS v(chunk_id, document_reference, chunk_index, chunk_text, content_hash, embedding,
                embedding_model, page_reference, section_title, processing_version, metadata, fingerprints)
        WHERE c.chunk_id = v.chunk_id`,
      columns(rows),
    );
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

  /**
   * Binds the collection to a model and size the first time it is used; returns the binding
   * in force (which may differ from the arguments: the caller compares).
   */
  async bindCollection(
    manager: EntityManager,
    name: string,
    embeddingModel: string,
    vectorSize: number,
  ): Promise<{ embedding_model: string; vector_size: number }> {
    await manager.query(
      `INSERT INTO vector_collections (name, embedding_model, vector_size) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO NOTHING`,
      [name, embeddingModel, vectorSize],
    );
    const [row] = await manager.query<{ embedding_model: string; vector_size: number }[]>(
      `SELECT embedding_model, vector_size FROM vector_collections WHERE name = $1`,
      [name],
    );
    return row;
  }
}

function columns(rows: readonly ChunkWrite[]): unknown[] {
  return [
    rows.map((r) => r.chunk_id),
    rows.map((r) => r.document_reference),
    rows.map((r) => r.chunk_index),
    rows.map((r) => r.chunk_text),
    rows.map((r) => r.content_hash),
    rows.map((r) => r.embedding),
    rows.map((r) => r.embedding_model),
    rows.map((r) => r.page_reference),
    rows.map((r) => r.section_title),
    rows.map((r) => r.processing_version),
    rows.map((r) => JSON.stringify(r.metadata)),
    rows.map((r) => fingerprintsLiteral(r.chunk_text)),
  ];
}
