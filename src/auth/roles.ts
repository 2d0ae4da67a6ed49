import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiSecurity } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/api-error-responses';
import type { Role } from './api-key.entity';

const RANK: Record<Role, number> = { reader: 0, writer: 1, admin: 2 };

export const hasRole = (actual: Role, required: Role): boolean => RANK[actual] >= RANK[required];

export interface RoleRequirement {
  role: Role;
  /** `?hard=true` (irreversible deletes) needs this role instead. */
  hardDelete?: Role;
}

export const ROLE_METADATA = 'ragstore:role';
export const PUBLIC_METADATA = 'ragstore:public';
export const API_KEY_SCHEME = 'api_key';
export const BEARER_SCHEME = 'bearer';

/**
 * The least role a route needs. Every /v1 route declares one; a route that does not is treated
 * as admin-only, so a forgotten decorator fails closed.
 */
export const RequireRole = (role: Role, options: { hardDelete?: Role } = {}) =>
  applyDecorators(
    SetMetadata(ROLE_METADATA, { role, ...options } satisfies RoleRequirement),
    ApiSecurity(API_KEY_SCHEME),
    ApiSecurity(BEARER_SCHEME),
    ApiExtension('x-required-role', { role, ...options }),
    ApiErrorResponses(),
  );

/** Open to anyone (health probes). */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);

export const OWNER_METADATA = 'ragstore:owner';

/** Where a route names the user it acts for: a reader key bound to a user may act only for them. */
export interface OwnerLocation {
  param?: string;
  body?: string;
  /**
   * The body field may be left out (an anonymous retrieval): a bound key's user is then filled in
   * from its binding, and a reader key bound to no user may name any user or none.
   */
  optional?: boolean;
  /**
   * With `optional`: a reader key bound to no user may only leave the field out (an anonymous chat
   * turn), never name a user.
   */
  anonymousOnly?: boolean;
}

export const OwnedBy = (location: OwnerLocation) =>
  applyDecorators(SetMetadata(OWNER_METADATA, location), ApiExtension('x-owned-by', location));
