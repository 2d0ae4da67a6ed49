import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RATE_LIMIT_STORAGE } from '../auth/auth.module';
import type { RateLimitStoreState, RedisThrottlerStorage } from '../auth/redis-throttler.storage';

/**
 * Where the rate-limit counters live: `redis` (shared by every replica), or `per_process` —
 * without REDIS_URL, or with `reason: redis_unreachable` while Redis is down. Always `up`: the
 * service answers correctly either way (docs/SECURITY.md, "Redis outage"), and taking every
 * replica out of rotation because their shared Redis is down would turn a degraded limit into
 * an outage. The state is read from memory, so the probe costs nothing.
 */
@Injectable()
export class RateLimitHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(RATE_LIMIT_STORAGE) private readonly storage: RedisThrottlerStorage | null,
  ) {}

  check(key = 'rate_limit') {
    const state: RateLimitStoreState = this.storage ? this.storage.state : { store: 'per_process' };
    return this.health.check(key).up({ ...state });
  }
}
