import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors';
import { ApiKeysService, type Principal } from './api-keys.service';
import {
  OWNER_METADATA,
  PUBLIC_METADATA,
  ROLE_METADATA,
  hasRole,
  type OwnerLocation,
  type RoleRequirement,
} from './roles';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim() || undefined;
  const header = request.headers['x-api-key'];
  return (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
}

/**
 * The global guard: every route needs the role it declares (admin when it declares none), a
 * hard delete may need a stronger one, and a reader key bound to a user acts only for that user.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    if (!this.keys.required) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = presentedKey(request);
    if (!key) {
      throw new DomainError(
        'UNAUTHORIZED',
        'An API key is required: send Authorization: Bearer <key> or x-api-key',
      );
    }
    const principal = await this.keys.authenticate(key);
    if (!principal) throw new DomainError('UNAUTHORIZED', 'The API key is not valid or has been revoked');

    const requirement = this.reflector.getAllAndOverride<RoleRequirement | undefined>(
      ROLE_METADATA,
      targets,
    ) ?? {
      role: 'admin',
    };
    const query = request.query as Record<string, unknown> | undefined;
    const needed =
      query?.hard === 'true' && requirement.hardDelete ? requirement.hardDelete : requirement.role;
    if (!hasRole(principal.role, needed)) {
      throw new DomainError(
        'FORBIDDEN',
        `This operation needs the ${needed} role; the key has ${principal.role}`,
      );
    }
    const owner = this.reflector.getAllAndOverride<OwnerLocation | undefined>(OWNER_METADATA, targets);
    if (owner && principal.role === 'reader') this.checkOwnership(request, owner, principal);
    request.principal = principal;
    return true;
  }

  private checkOwnership(request: AuthenticatedRequest, owner: OwnerLocation, principal: Principal): void {
    const params = request.params as Record<string, unknown> | undefined;
    const body = request.body as Record<string, unknown> | undefined;
    const target = owner.param ? params?.[owner.param] : owner.body ? body?.[owner.body] : undefined;
    if (!principal.user_id || target !== principal.user_id) {
      throw new DomainError('FORBIDDEN', 'A reader key may act only for the user it is bound to');
    }
  }
}
