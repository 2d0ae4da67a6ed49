import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { toBool, toInt, validateEnv, type Env } from './env';

class IngestionEnv {
  /** Off: this replica writes the outbox but never drains it (a dedicated relay replica does). */
  @Transform(toBool)
  @IsBoolean()
  OUTBOX_RELAY_ENABLED = true;

  /** Chunks in one POST /v1/ingest; larger documents are sent in several batches. */
  @Transform(toInt)
  @Min(1)
  @Max(10_000)
  @IsInt()
  INGEST_MAX_BATCH = 1_000;

  @Transform(toInt)
  @Min(1)
  @Max(1_000_000)
  @IsInt()
  INGEST_MAX_TEXT_CHARS = 20_000;

  /** Default time an ingest waits for its vectors to become searchable before answering 202. */
  @Transform(toInt)
  @Min(0)
  @Max(60_000)
  @IsInt()
  INGEST_WAIT_MS = 5_000;

  /** A full batch of 1 000 × 1 024 floats as JSON is ~20 MB; other routes keep BODY_LIMIT_BYTES. */
  @Transform(toInt)
  @Min(1024)
  @Max(512 * 1024 * 1024)
  @IsInt()
  INGEST_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

  /** Points sent to the vector store per relay round. */
  @Transform(toInt)
  @Min(1)
  @Max(10_000)
  @IsInt()
  OUTBOX_BATCH_SIZE = 512;

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

  /** A claimed row is retried by any replica once its lease expires (the claimer died). */
  @Transform(toInt)
  @Min(1_000)
  @Max(3_600_000)
  @IsInt()
  OUTBOX_LEASE_MS = 30_000;

  /** A chunk still pending after this long is reported as stuck by the consistency check. */
  @Transform(toInt)
  @Min(1_000)
  @Max(86_400_000)
  @IsInt()
  CONSISTENCY_STUCK_AFTER_MS = 300_000;

  /** Soft-deleted chunks are hard-deleted after this many days (0 disables the purge). */
  @Transform(toInt)
  @Min(0)
  @Max(36_500)
  @IsInt()
  PURGE_RETENTION_DAYS = 30;
}

export function loadIngestionConfig(env: Env = process.env) {
  const v = validateEnv(IngestionEnv, env);
  return {
    maxBatch: v.INGEST_MAX_BATCH,
    maxTextChars: v.INGEST_MAX_TEXT_CHARS,
    waitMs: v.INGEST_WAIT_MS,
    bodyLimitBytes: v.INGEST_BODY_LIMIT_BYTES,
    relayEnabled: v.OUTBOX_RELAY_ENABLED,
    outboxBatchSize: v.OUTBOX_BATCH_SIZE,
    outboxPollMs: v.OUTBOX_POLL_MS,
    outboxMaxAttempts: v.OUTBOX_MAX_ATTEMPTS,
    outboxBackoffBaseMs: v.OUTBOX_BACKOFF_BASE_MS,
    outboxBackoffMaxMs: v.OUTBOX_BACKOFF_MAX_MS,
    outboxLeaseMs: v.OUTBOX_LEASE_MS,
    stuckAfterMs: v.CONSISTENCY_STUCK_AFTER_MS,
    purgeRetentionDays: v.PURGE_RETENTION_DAYS,
  };
}

export const ingestionConfig = registerAs('ingestion', () => loadIngestionConfig());
export type IngestionConfig = ReturnType<typeof loadIngestionConfig>;
