import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ChunkToSync } from './outbox.repository';

/** How many live chunks carry embeddings of one model and size. */
export interface EmbeddingProfile {
  embedding_model: string;
  vector_size: number;
  chunks: number;
}

export interface ChangedChunk {
  chunk_id: string;
  deleted: boolean;
}

/** What `vectors:rebuild` reads from Postgres, and the collection binding it records. */
@Injectable()
export class RebuildRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The start of the oldest transaction still open (ours included). `updated_at` is set to
   * now(), i.e. a transaction's start, so a row committed after the rebuild began can carry a
   * time from before it; every row written by a transaction still open at this instant has
   * `updated_at >= cutoff`, which makes "changed since the cutoff" miss nothing.
   */
  async changeCutoff(): Promise<string> {
    const [row] = await this.dataSource.query<{ cutoff: string }[]>(
      `SELECT least(now(), min(xact_start))::text AS cutoff
         FROM pg_stat_activity
        WHERE datname = current_database() AND xact_start IS NOT NULL`,
    );
    return row.cutoff;
  }

  async embeddingProfile(): Promise<EmbeddingProfile[]> {
    return this.dataSource.query(
      `SELECT embedding_model, (octet_length(embedding) / 4)::int AS vector_size, count(*)::int AS chunks
         FROM chunks
        WHERE deleted_at IS NULL
        GROUP BY 1, 2
        ORDER BY 3 DESC`,
    );
  }

  async liveCount(): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM chunks WHERE deleted_at IS NULL`,
    );
    return row.n;
  }

  /** One keyset page of live chunks in chunk_id order, as the relay sends them. */
  async livePage(afterChunkId: string | null, limit: number): Promise<ChunkToSync[]> {
    return this.dataSource.query(
      `SELECT chunk_id, document_reference, chunk_index, chunk_text, embedding, embedding_model,
              page_reference, section_title, processing_version, updated_at::text AS version
         FROM chunks
        WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR chunk_id > $1::uuid)
        ORDER BY chunk_id
        LIMIT $2`,
      [afterChunkId, limit],
    );
  }

  /** One keyset page of chunks (live or soft-deleted) changed at or after `cutoff`. */
  async changedPage(cutoff: string, afterChunkId: string | null, limit: number): Promise<ChangedChunk[]> {
    return this.dataSource.query(
      `SELECT chunk_id, deleted_at IS NOT NULL AS deleted
         FROM chunks
        WHERE updated_at >= $1::timestamptz AND ($2::uuid IS NULL OR chunk_id > $2::uuid)
        ORDER BY chunk_id
        LIMIT $3`,
      [cutoff, afterChunkId, limit],
    );
  }

  async boundModel(collection: string): Promise<string | null> {
    const [row] = await this.dataSource.query<{ embedding_model: string }[]>(
      `SELECT embedding_model FROM vector_collections WHERE name = $1`,
      [collection],
    );
    return row?.embedding_model ?? null;
  }

  /** Binds the collection name to the model and size the rebuilt collection holds. */
  async rebind(collection: string, embeddingModel: string, vectorSize: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO vector_collections (name, embedding_model, vector_size) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET embedding_model = EXCLUDED.embedding_model,
                                        vector_size = EXCLUDED.vector_size`,
      [collection, embeddingModel, vectorSize],
    );
  }
}
