import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

/** A key's sliding log: hit expiries in arrival order (so in expiry order: one ttl per key). */
interface Window {
  expiries: number[];
  /** Expiries before this index have passed. */
  head: number;
  /** When the key's window counter resets (the `X-RateLimit-Reset` figure). */
  expiresAt: number;
  /** 0 when not blocked. */
  blockedUntil: number;
}

/** Entries dropped off the front before the array is compacted. */
const COMPACT_AFTER = 1_024;
/** Idle keys (no live hit, no block) are forgotten this often. */
const SWEEP_MS = 60_000;

/**
 * The in-process counter (without REDIS_URL): the same sliding log and blocking as
 * `@nestjs/throttler`'s own storage, at constant cost per request. Theirs filters the key's whole
 * array of hit expiries on every request, so each hit costs O(hits in the window) — with a high
 * limit (an internal service, a benchmark) tens of thousands of comparisons and an array copy per
 * request, ≈ 5 % of a vector retrieval's main-thread CPU at 500 req/s under a limit of 1 000 000.
 * Here expiries are dropped off the front as they pass (they arrive in order), and the array is
 * compacted only after COMPACT_AFTER of them.
 *
 * A key over its limit is blocked for `blockDuration`; when the block ends its count restarts, as
 * in the library.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly windows = new Map<string, Window>();
  private readonly sweep = setInterval(() => this.evictIdle(Date.now()), SWEEP_MS).unref();

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const id = `${throttlerName}\u0000${key}`;
    let window = this.windows.get(id);
    if (!window) {
      window = { expiries: [], head: 0, expiresAt: now + ttl, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    prune(window, now);
    if (window.expiresAt <= now) window.expiresAt = now + ttl;
    if (window.blockedUntil !== 0 && window.blockedUntil <= now) {
      // The block is over: counting starts again.
      window.blockedUntil = 0;
      window.expiries = [];
      window.head = 0;
    }
    let blocked = window.blockedUntil !== 0;
    if (blockDuration <= 0) {
      // No block: a request over the limit is refused and not counted.
      blocked = window.expiries.length - window.head >= limit;
      if (!blocked) window.expiries.push(now + ttl);
    } else if (!blocked) {
      window.expiries.push(now + ttl);
      if (window.expiries.length - window.head > limit) {
        window.blockedUntil = now + blockDuration;
        blocked = true;
      }
    }
    const hits = window.expiries.length - window.head;
    const timeToBlockExpire =
      blockDuration <= 0
        ? hits > 0
          ? Math.ceil((window.expiries[window.head] - now) / 1000)
          : 0
        : Math.ceil((window.blockedUntil - now) / 1000);
    return Promise.resolve({
      totalHits: blocked && blockDuration <= 0 ? hits + 1 : hits,
      timeToExpire: Math.ceil((window.expiresAt - now) / 1000),
      isBlocked: blocked,
      timeToBlockExpire: blocked ? timeToBlockExpire : 0,
    });
  }

  /** Keys tracked (for tests). */
  get size(): number {
    return this.windows.size;
  }

  evictIdle(now: number): void {
    for (const [id, window] of this.windows) {
      prune(window, now);
      if (window.blockedUntil <= now && window.head === window.expiries.length && window.expiresAt <= now)
        this.windows.delete(id);
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweep);
    this.windows.clear();
  }
}

function prune(window: Window, now: number): void {
  const { expiries } = window;
  while (window.head < expiries.length && expiries[window.head] <= now) window.head++;
  if (window.head === expiries.length) {
    window.expiries = [];
    window.head = 0;
  } else if (window.head >= COMPACT_AFTER) {
    window.expiries = expiries.slice(window.head);
    window.head = 0;
  }
}
