import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { toInt, validateEnv, type Env } from './env';

class RateLimitEnv {
  /** Requests per window for each class of route, per API key (per client IP without one). */
  @Transform(toInt)
  @Min(0)
  @Max(1_000_000)
  @IsInt()
  RATE_LIMIT_RETRIEVE = 600;

  @Transform(toInt)
  @Min(0)
  @Max(1_000_000)
  @IsInt()
  RATE_LIMIT_INGEST = 60;

  @Transform(toInt)
  @Min(0)
  @Max(1_000_000)
  @IsInt()
  RATE_LIMIT_ADMIN = 120;

  @Transform(toInt)
  @Min(0)
  @Max(1_000_000)
  @IsInt()
  RATE_LIMIT_DEFAULT = 600;

  @Transform(toInt)
  @Min(1_000)
  @Max(3_600_000)
  @IsInt()
  RATE_LIMIT_WINDOW_MS = 60_000;

  /**
   * Requests one API key may have in flight at once, per process (not counted while
   * authentication is disabled);
   * past it a request is refused with 429 at once. 0 turns the limit off.
   */
  @Transform(toInt)
  @Min(0)
  @Max(100_000)
  @IsInt()
  RATE_LIMIT_CONCURRENCY = 16;

  /** Shared counters for every replica (else in memory, per process). */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string = undefined;

  @Matches(/^[\w:.-]{1,64}$/, { message: 'must be 1-64 letters, digits or _ : . -' })
  REDIS_KEY_PREFIX = 'ragstore:';
}

export function loadRateLimitConfig(env: Env = process.env) {
  const v = validateEnv(RateLimitEnv, env, { REDIS_URL: ['REDIS_URL'] });
  return {
    limits: {
      retrieve: v.RATE_LIMIT_RETRIEVE,
      ingest: v.RATE_LIMIT_INGEST,
      admin: v.RATE_LIMIT_ADMIN,
      default: v.RATE_LIMIT_DEFAULT,
    },
    windowMs: v.RATE_LIMIT_WINDOW_MS,
    concurrencyPerKey: v.RATE_LIMIT_CONCURRENCY,
    redisUrl: v.REDIS_URL,
    redisKeyPrefix: v.REDIS_KEY_PREFIX,
  };
}

export const rateLimitConfig = registerAs('rateLimit', () => loadRateLimitConfig());
export type RateLimitConfig = ReturnType<typeof loadRateLimitConfig>;
export type RateClass = keyof RateLimitConfig['limits'];
