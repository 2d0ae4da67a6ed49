import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { returningRows } from '../database/returning';
import { POINT_SELECT, type ChunkToSync } from './chunk-point';

export interface ClaimedOutboxRow {
  id: string;
  chunk_id: string;
  operation: 'upsert' | 'delete';
  attempts: number;
}

export interface OutboxStats {
  pending: number;
  failed: number;
  oldest_pending_age_seconds: number | null;
}

/** The advisory lock (one key, transaction-scoped) that serialises outbox claims across replicas. */
const OUTBOX_CLAIM_LOCK = 0x7261_6731; // 'rag1'

/** The relay's side of `vector_outbox`: claim with a lease, then complete or back off. */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims due rows for `leaseMs`: SKIP LOCKED keeps replicas off each other's rows, and the
   * lease (not an open transaction) holds them during the network call; a claimer that dies
   * simply lets the lease run out and another replica retries.
   *
   * Per-chunk order: a row whose chunk has another row in flight (`leased_until` in the future:
   * claimed by any batch of any replica, not yet completed or backed off) is not taken, so two
   * batches never carry the same chunk and an older state of it can never be applied after a
   * newer one. Claims take a transaction-scoped advisory lock first, so two concurrent claims
   * cannot both miss each other's fresh leases; a claim is one short statement, so the lock is
   * held for about a millisecond.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedOutboxRow[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock($1)`, [OUTBOX_CLAIM_LOCK]);
      return returningRows<ClaimedOutboxRow>(
        manager,
        `WITH due AS (
           SELECT o.id FROM vector_outbox o
            WHERE o.next_attempt_at <= now()
              AND NOT EXISTS (SELECT 1 FROM vector_outbox f
                               WHERE f.chunk_id = o.chunk_id AND f.id <> o.id AND f.leased_until > now())
            ORDER BY o.next_attempt_at, o.id
            LIMIT $1
            FOR UPDATE SKIP LOCKED)
         UPDATE vector_outbox o
            SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000),
                leased_until = now() + make_interval(secs => $2::double precision / 1000),
                attempts = o.attempts + 1
           FROM due
          WHERE o.id = due.id
         RETURNING o.id, o.chunk_id, o.operation, o.attempts`,
        [limit, leaseMs],
      );
    });
  }

  /** Extends the lease of rows still being worked on (the claimer is alive). */
  async renewLease(outboxIds: readonly string[], leaseMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE vector_outbox
          SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000),
              leased_until = now() + make_interval(secs => $2::double precision / 1000)
        WHERE id = ANY($1::bigint[]) AND next_attempt_at <> 'infinity'`,
      [outboxIds, leaseMs],
    );
  }

  /** The live rows among `chunkIds`; ids absent from the result must not exist in the store. */
  async loadLive(chunkIds: readonly string[]): Promise<ChunkToSync[]> {
    return this.dataSource.query(
      `SELECT ${POINT_SELECT} FROM chunks c WHERE c.chunk_id = ANY($1::uuid[]) AND c.deleted_at IS NULL`,
      [chunkIds],
    );
  }

  /**
   * Removes the finished rows and marks the chunks synced, unless a chunk changed after it was
   * read (its newer state has its own outbox row and will be synced by that).
   */
  async complete(outboxIds: readonly string[], synced: readonly ChunkToSync[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM vector_outbox WHERE id = ANY($1::bigint[])`, [outboxIds]);
      if (synced.length === 0) return;
      await manager.query(
        `UPDATE chunks c
            SET sync_status = 'synced', synced_at = now(), embedding_id = c.chunk_id
           FROM unnest($1::uuid[], $2::timestamptz[]) AS v(chunk_id, version)
          WHERE c.chunk_id = v.chunk_id AND c.updated_at = v.version`,
        [synced.map((c) => c.chunk_id), synced.map((c) => c.version)],
      );
    });
  }

  /**
   * Backs the rows off (exponential, with jitter, chosen by the caller); rows out of attempts
   * park at 'infinity' with their error and their chunks become `failed`.
   */
  async fail(
    rows: readonly ClaimedOutboxRow[],
    error: string,
    delayMsFor: (attempts: number) => number,
    maxAttempts: number,
  ): Promise<void> {
    const exhausted = rows.filter((r) => r.attempts >= maxAttempts);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE vector_outbox o
            SET last_error = $3,
                leased_until = NULL,
                next_attempt_at = CASE WHEN v.delay_ms IS NULL THEN 'infinity'::timestamptz
                                       ELSE now() + make_interval(secs => v.delay_ms / 1000) END
           FROM unnest($1::bigint[], $2::double precision[]) AS v(id, delay_ms)
          WHERE o.id = v.id`,
        [
          rows.map((r) => r.id),
          rows.map((r) => (r.attempts >= maxAttempts ? null : delayMsFor(r.attempts))),
          error.slice(0, 2000),
        ],
      );
      if (exhausted.length > 0) {
        await manager.query(
          `UPDATE chunks SET sync_status = 'failed' WHERE chunk_id = ANY($1::uuid[]) AND deleted_at IS NULL`,
          [exhausted.map((r) => r.chunk_id)],
        );
      }
    });
  }

  /** Gives failed rows a fresh attempt budget (repair). */
  async retryFailed(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await returningRows<{ chunk_id: string }>(
        manager,
        `UPDATE vector_outbox SET attempts = 0, next_attempt_at = now()
          WHERE next_attempt_at = 'infinity' RETURNING chunk_id`,
        [],
      );
      await manager.query(
        `UPDATE chunks SET sync_status = 'pending' WHERE sync_status = 'failed' AND chunk_id = ANY($1::uuid[])`,
        [rows.map((r) => r.chunk_id)],
      );
      return rows.length;
    });
  }

  /**
   * How many of `chunkIds` the vector store does not reflect yet: live rows not synced, plus
   * ids with outbox work still queued (a soft-deleted chunk whose point is not yet removed).
   */
  async countUnsynced(chunkIds: readonly string[]): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `SELECT (SELECT count(*) FROM chunks
                WHERE chunk_id = ANY($1::uuid[]) AND deleted_at IS NULL AND sync_status <> 'synced')
            + (SELECT count(*) FROM vector_outbox WHERE chunk_id = ANY($1::uuid[]))::int AS n`,
      [chunkIds],
    );
    return Number(row.n);
  }

  async unsyncedIds(chunkIds: readonly string[]): Promise<string[]> {
    const rows: { chunk_id: string }[] = await this.dataSource.query(
      `SELECT chunk_id FROM chunks WHERE chunk_id = ANY($1::uuid[]) AND sync_status <> 'synced'`,
      [chunkIds],
    );
    return rows.map((r) => r.chunk_id);
  }

  async stats(): Promise<OutboxStats> {
    const [row] = await this.dataSource.query<OutboxStats[]>(
      `SELECT count(*) FILTER (WHERE next_attempt_at <> 'infinity')::int AS pending,
              count(*) FILTER (WHERE next_attempt_at = 'infinity')::int AS failed,
              extract(epoch FROM now() - min(created_at) FILTER (WHERE next_attempt_at <> 'infinity'))::float8
                AS oldest_pending_age_seconds
         FROM vector_outbox`,
    );
    return row;
  }

  /**
   * ANALYZE chunks when autovacuum would (more rows changed since its last ANALYZE than 50 + 10 %
   * of the table, or none yet), without waiting for autovacuum's next round: a book loaded in one
   * go is queried within seconds, and until then the planner has no statistics — it then reads
   * a common word's whole full-text posting list (every matching row id) before the text leg's
   * LIMIT applies, where a sequential scan stops after a few hundred rows. True when it ran. A
   * role that does not own the table gets PostgreSQL's warning, not an error.
   */
  async analyzeChunksIfStale(): Promise<boolean> {
    const [{ stale }] = await this.dataSource.query<{ stale: boolean }[]>(
      `SELECT coalesce(s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
                       OR coalesce(s.last_analyze, s.last_autoanalyze) IS NULL, true) AS stale
         FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
        WHERE c.oid = 'chunks'::regclass`,
    );
    if (stale) await this.dataSource.query('ANALYZE chunks');
    return stale;
  }
}
