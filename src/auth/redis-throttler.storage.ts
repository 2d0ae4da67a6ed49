import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import Redis from 'ioredis';

/**
 * Counts in Redis so every replica shares one limit. One round trip per request: the script
 * increments the window's counter, starts its expiry on the first hit, and opens a block once
 * the limit is passed — atomically, so concurrent replicas cannot overshoot.
 */
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local blocked = redis.call('PTTL', KEYS[2])
if hits > tonumber(ARGV[2]) and blocked <= 0 then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  blocked = tonumber(ARGV[3])
end
return { hits, ttl, blocked }`;

/** A hung Redis costs a request at most this long, once per outage (then counters are local). */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
const REDIS_CONNECT_TIMEOUT_MS = 1_000;
/** While degraded, how often Redis is pinged to see whether it is back. */
const RECOVERY_PROBE_MS = 1_000;
const MAX_RECONNECT_DELAY_MS = 2_000;

/** Where the rate-limit counters live right now, as the readiness probe reports it. */
export type RateLimitStoreState = { store: 'redis' } | { store: 'per_process'; reason?: 'redis_unreachable' };

/**
 * The rate-limit store. The outage policy (docs/SECURITY.md): when Redis is unreachable the
 * limits are counted per process instead — a request never waits more than one command timeout
 * and never fails because a counter could not be read — with one warning per outage, and
 * Redis is used again as soon as it answers. Rate limits bound cost; they do not decide who may
 * do what, so a fallback that still bounds each replica is safer than refusing every call.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimitStore');
  private readonly redis: Redis;
  private readonly local = new ThrottlerStorageService();
  private degraded = false;
  private probe: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.redis = new Redis(url, {
      // Fail fast: no queue while disconnected, no retry per command, a bound on a hung server.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      // Keep reconnecting for as long as the process lives, at most every 2 s.
      retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
      lazyConnect: false,
    });
    // A listener, so ioredis never prints "[ioredis] Unhandled error event" to stderr: every
    // connection error goes through the service's (JSON) logger, at debug — the warning that
    // matters is logged once per outage by degrade().
    this.redis.on('error', (error: Error) => {
      this.logger.debug(`Redis connection error: ${describe(error)}`);
      this.degrade(error);
    });
    this.redis.on('ready', () => this.checkRecovered());
  }

  get state(): RateLimitStoreState {
    return this.degraded ? { store: 'per_process', reason: 'redis_unreachable' } : { store: 'redis' };
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (!this.degraded && this.redis.status === 'ready') {
      try {
        return await this.incrementInRedis(key, ttl, limit, blockDuration, throttlerName);
      } catch (error) {
        this.degrade(error);
      }
    } else if (!this.degraded) {
      this.degrade(new Error(`connection ${this.redis.status}`));
    }
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.probe) clearInterval(this.probe);
    this.local.onApplicationShutdown();
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private async incrementInRedis(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = `${this.prefix}rl:${throttlerName}:${key}`;
    const [hits, ttlMs, blockedMs] = (await this.redis.eval(
      INCREMENT,
      2,
      base,
      `${base}:blocked`,
      ttl,
      limit,
      blockDuration > 0 ? blockDuration : ttl,
    )) as [number, number, number];
    return {
      totalHits: hits,
      timeToExpire: Math.max(0, Math.ceil(ttlMs / 1000)),
      isBlocked: blockedMs > 0,
      timeToBlockExpire: Math.max(0, Math.ceil(blockedMs / 1000)),
    };
  }

  private degrade(error: unknown): void {
    if (this.degraded || this.closing) return;
    this.degraded = true;
    this.logger.warn(
      `Redis unreachable (${describe(error)}): rate limits are counted in per-process counters until it answers again`,
    );
    this.probe = setInterval(() => this.checkRecovered(), RECOVERY_PROBE_MS);
    this.probe.unref();
  }

  /** Back to Redis once it answers a PING (a reconnect alone can land on a hung server). */
  private checkRecovered(): void {
    if (!this.degraded || this.closing || this.redis.status !== 'ready') return;
    this.redis.ping().then(
      () => {
        if (!this.degraded || this.closing) return;
        this.degraded = false;
        if (this.probe) clearInterval(this.probe);
        this.probe = null;
        this.logger.log('Redis reachable again: rate limits are shared across replicas again');
      },
      () => undefined,
    );
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message.slice(0, 200) : String(error);
}
