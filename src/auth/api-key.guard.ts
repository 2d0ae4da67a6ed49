import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors';
import { ApiKeysService, type Principal } from './api-keys.service';
import { RateLimitGuard } from './rate-limit';
import { hasRole, type OwnerLocation } from './roles';
import { routePolicy, type RoutePolicy } from './route-policy';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim() || undefined;
  const header = request.headers['x-api-key'];
  return (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
}

export const missingKey = (): DomainError =>
  new DomainError('UNAUTHORIZED', 'An API key is required: send Authorization: Bearer <key> or x-api-key');

/**
 * The one global guard. A public route (the probes) passes at once: no key, no limit, and no
 * promise for Nest to await. Every other route needs the role it declares (admin when it declares
 * none), a hard delete may need a stronger one, a reader key bound to a user acts only for that
 * user; then the request counts against its rate limit, per key now that the caller is known.
 * One guard rather than a key guard and a throttler side by side: Nest awaits each global guard
 * on every request, probes included.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly limits: RateLimitGuard,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const policy = routePolicy(this.reflector, context);
    if (policy.isPublic) return true;
    return this.admit(context, policy);
  }

  private async admit(context: ExecutionContext, policy: RoutePolicy): Promise<boolean> {
    if (this.keys.required) this.authorize(context.switchToHttp().getRequest(), policy);
    return this.limits.canActivate(context);
  }

  private authorize(request: AuthenticatedRequest, policy: RoutePolicy): void {
    // RequestGate authenticated the caller before the body was read; a route it let through
    // unauthenticated (one outside its rules) fails closed here.
    const principal = request.principal;
    if (!principal) throw missingKey();

    const { requirement, owner } = policy;
    const query = request.query as Record<string, unknown> | undefined;
    const needed =
      query?.hard === 'true' && requirement.hardDelete ? requirement.hardDelete : requirement.role;
    if (!hasRole(principal.role, needed)) {
      throw new DomainError(
        'FORBIDDEN',
        `This operation needs the ${needed} role; the key has ${principal.role}`,
      );
    }
    if (owner && principal.role === 'reader') this.checkOwnership(request, owner, principal);
  }

  private checkOwnership(request: AuthenticatedRequest, owner: OwnerLocation, principal: Principal): void {
    const params = request.params as Record<string, unknown> | undefined;
    const body = request.body as Record<string, unknown> | undefined;
    if (owner.optional && owner.body && body && typeof body === 'object') {
      if (!principal.user_id) {
        if (owner.anonymousOnly && body[owner.body] != null) {
          throw new DomainError(
            'FORBIDDEN',
            `A reader key bound to no user may act only anonymously: leave ${owner.body} out`,
          );
        }
        return;
      }
      // Taken from the binding when left out, so the row is stored as the key's user.
      body[owner.body] ??= principal.user_id;
    }
    const target = owner.param ? params?.[owner.param] : owner.body ? body?.[owner.body] : undefined;
    if (!principal.user_id || target !== principal.user_id) {
      throw new DomainError('FORBIDDEN', 'A reader key may act only for the user it is bound to');
    }
  }
}
