import { type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { RateClass, RateLimitConfig } from '../../config';
import type { AuthenticatedRequest } from './api-key.guard';
import { PUBLIC_METADATA } from './roles';

export const RATE_CLASS_METADATA = 'ragstore:rate-class';

/** Which limit a route counts against (`default` when undeclared). */
export const RateLimitClass = (rateClass: RateClass) => SetMetadata(RATE_CLASS_METADATA, rateClass);

export function rateClassOf(reflector: Reflector, context: ExecutionContext): RateClass {
  return (
    reflector.getAllAndOverride<RateClass | undefined>(RATE_CLASS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]) ?? 'default'
  );
}

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
        limit: (context: ExecutionContext) => config.limits[rateClassOf(reflector, context)],
      },
    ],
    storage,
  } satisfies ThrottlerModuleOptions;
}

/**
 * Counts per API key (per client IP without one) and per class of route, after the key guard
 * has identified the caller. Probes are never limited; a limit of 0 turns a class off.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const limit = this.throttlers[0].limit;
    return (typeof limit === 'function' ? await limit(context) : limit) === 0;
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as AuthenticatedRequest;
    return Promise.resolve(request.principal ? `key:${request.principal.key_id}` : `ip:${request.ip}`);
  }

  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${rateClassOf(this.reflector, context)}:${tracker}`;
  }
}
