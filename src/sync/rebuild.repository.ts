import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { POINT_SELECT, type ChunkToSync } from './chunk-point';

/** How many live chunks carry embeddings of one model and size. */
export interface EmbeddingProfile {
  embedding_model: string;
  vector_size: number;
  chunks: number;
}

/** The rebuild holding a collection name's lease. */
export interface LeaseHolder {
  collection: string;
  acquired_at: string;
  expires_at: string;
}

export interface ChangedChunk {
  chunk_id: string;
  deleted: boolean;
}

/** What `vectors:rebuild` reads from Postgres. */
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

  /** The live rows among `chunkIds`, as the relay sends them. */
  async liveByIds(chunkIds: readonly string[]): Promise<ChunkToSync[]> {
    return this.dataSource.query(
      `SELECT ${POINT_SELECT} FROM chunks c WHERE c.chunk_id = ANY($1::uuid[]) AND c.deleted_at IS NULL`,
      [chunkIds],
    );
  }

  /** One keyset page of live chunks in chunk_id order, as the relay sends them. */
  async livePage(afterChunkId: string | null, limit: number): Promise<ChunkToSync[]> {
    return this.dataSource.query(
      `SELECT ${POINT_SELECT}
         FROM chunks c
        WHERE c.deleted_at IS NULL AND ($1::uuid IS NULL OR c.chunk_id > $1::uuid)
        ORDER BY c.chunk_id
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

  /**
   * Takes the rebuild lease on `alias` for `ttlMs`, unless another holder's lease is still
   * running: one statement, so two rebuilds racing for it cannot both win. Returns null when
   * taken, else the lease's current holder.
   */
  async acquireLease(
    alias: string,
    holder: string,
    collection: string,
    ttlMs: number,
  ): Promise<LeaseHolder | null> {
    const taken = await this.dataSource.query<unknown[]>(
      `INSERT INTO vector_rebuild_leases (alias, holder, collection, acquired_at, expires_at)
       VALUES ($1, $2, $3, now(), now() + $4 * interval '1 millisecond')
       ON CONFLICT (alias) DO UPDATE
         SET holder = EXCLUDED.holder, collection = EXCLUDED.collection,
             acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
         WHERE vector_rebuild_leases.expires_at < now()
       RETURNING holder`,
      [alias, holder, collection, ttlMs],
    );
    if (taken.length > 0) return null;
    const [current] = await this.dataSource.query<LeaseHolder[]>(
      `SELECT collection, acquired_at::text AS acquired_at, expires_at::text AS expires_at
         FROM vector_rebuild_leases WHERE alias = $1`,
      [alias],
    );
    // Released between the two statements: report it as held a moment ago, the caller retries.
    return current ?? { collection: 'unknown', acquired_at: 'just now', expires_at: 'now' };
  }

  /** Extends the lease; false when it is no longer this holder's (expired and taken over). */
  async renewLease(alias: string, holder: string, ttlMs: number): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `UPDATE vector_rebuild_leases SET expires_at = now() + $3 * interval '1 millisecond'
        WHERE alias = $1 AND holder = $2
       RETURNING 1`,
      [alias, holder, ttlMs],
    );
    return rows.length > 0;
  }

  async releaseLease(alias: string, holder: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM vector_rebuild_leases WHERE alias = $1 AND holder = $2`, [
      alias,
      holder,
    ]);
  }
}
