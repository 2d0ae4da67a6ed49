import { type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { RateClass, RateLimitConfig } from '../../config';
import type { AuthenticatedRequest } from './api-key.guard';
import { RATE_CLASS_METADATA, routePolicy } from './route-policy';

/** Which limit a route counts against (`default` when undeclared). */
export const RateLimitClass = (rateClass: RateClass) => SetMetadata(RATE_CLASS_METADATA, rateClass);

export function throttlerOptions(
  config: RateLimitConfig,
  storage: ThrottlerStorage | undefined,
  reflector: Reflector,
) {
  return {
    throttlers: [
      {
        // 'default' keeps the standard header names (Retry-After, X-RateLimit-*).
        name: 'default',
        ttl: config.windowMs,
        limit: (context: ExecutionContext) => config.limits[routePolicy(reflector, context).rateClass],
      },
    ],
    storage,
  } satisfies ThrottlerModuleOptions;
}

/**
 * Counts per API key (per client IP without one) and per class of route. Not a global guard of
 * its own: ApiKeyGuard calls it once the caller is identified, and never for the probes (public
 * routes are not limited). A limit of 0 turns a class off.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const limit = this.throttlers[0].limit;
    return (typeof limit === 'function' ? await limit(context) : limit) === 0;
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as AuthenticatedRequest;
    return Promise.resolve(request.principal ? `key:${request.principal.key_id}` : `ip:${request.ip}`);
  }

  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${routePolicy(this.reflector, context).rateClass}:${tracker}`;
  }
}
