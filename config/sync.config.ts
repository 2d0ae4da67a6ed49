import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { toBool, toInt, validateEnv, type Env } from './env';

/** Keeping the vector store in step with Postgres: the outbox relay and the consistency check. */
class SyncEnv {
  /** Off: this replica writes the outbox but never drains it (a dedicated relay replica does). */
  @Transform(toBool)
  @IsBoolean()
  OUTBOX_RELAY_ENABLED = true;

  /** Points sent to the vector store per relay round. */
  @Transform(toInt)
  @Min(1)
  @Max(10_000)
  @IsInt()
  OUTBOX_BATCH_SIZE = 512;

  /**
   * Relay batches in flight at once (each claims, reads and sends its own batch): the vector
   * store's round trip and indexing overlap with reading the next batch. Batches never share a
   * chunk, so order per chunk holds whatever the value.
   */
  @Transform(toInt)
  @Min(1)
  @Max(32)
  @IsInt()
  OUTBOX_RELAY_CONCURRENCY = 2;

  /** The relay is woken after every commit; this poll picks up work left by a crash or a peer. */
  @Transform(toInt)
  @Min(10)
  @Max(600_000)
  @IsInt()
  OUTBOX_POLL_MS = 1_000;

  @Transform(toInt)
  @Min(1)
  @Max(1_000)
  @IsInt()
  OUTBOX_MAX_ATTEMPTS = 10;

  @Transform(toInt)
  @Min(1)
  @Max(600_000)
  @IsInt()
  OUTBOX_BACKOFF_BASE_MS = 500;

  @Transform(toInt)
  @Min(1)
  @Max(3_600_000)
  @IsInt()
  OUTBOX_BACKOFF_MAX_MS = 60_000;

  /**
   * A claimed row is retried by any replica once its lease expires (the claimer died). The relay
   * renews the lease of a batch in flight every third of it, so the lease can be short: a
   * restart after a crash resumes the dead process's work within this time.
   */
  @Transform(toInt)
  @Min(1_000)
  @Max(3_600_000)
  @IsInt()
  OUTBOX_LEASE_MS = 3_000;

  /** A chunk still pending after this long is reported as stuck by the consistency check. */
  @Transform(toInt)
  @Min(1_000)
  @Max(86_400_000)
  @IsInt()
  CONSISTENCY_STUCK_AFTER_MS = 300_000;
}

export function loadSyncConfig(env: Env = process.env) {
  const v = validateEnv(SyncEnv, env);
  return {
    relayEnabled: v.OUTBOX_RELAY_ENABLED,
    outboxBatchSize: v.OUTBOX_BATCH_SIZE,
    relayConcurrency: v.OUTBOX_RELAY_CONCURRENCY,
    outboxPollMs: v.OUTBOX_POLL_MS,
    outboxMaxAttempts: v.OUTBOX_MAX_ATTEMPTS,
    outboxBackoffBaseMs: v.OUTBOX_BACKOFF_BASE_MS,
    outboxBackoffMaxMs: v.OUTBOX_BACKOFF_MAX_MS,
    outboxLeaseMs: v.OUTBOX_LEASE_MS,
    stuckAfterMs: v.CONSISTENCY_STUCK_AFTER_MS,
  };
}

export const syncConfig = registerAs('sync', () => loadSyncConfig());
export type SyncConfig = ReturnType<typeof loadSyncConfig>;
