import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { toInt, validateEnv, type Env } from './env';

class IngestionEnv {
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
    purgeRetentionDays: v.PURGE_RETENTION_DAYS,
  };
}

export const ingestionConfig = registerAs('ingestion', () => loadIngestionConfig());
export type IngestionConfig = ReturnType<typeof loadIngestionConfig>;
