import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { RateClass } from '../../config';
import {
  OWNER_METADATA,
  PUBLIC_METADATA,
  ROLE_METADATA,
  type OwnerLocation,
  type RoleRequirement,
} from './roles';

export const RATE_CLASS_METADATA = 'ragstore:rate-class';

/** What a route declares about who may call it and which limit it counts against. */
export interface RoutePolicy {
  isPublic: boolean;
  /** admin when the route declares none, so a forgotten decorator fails closed */
  requirement: RoleRequirement;
  owner: OwnerLocation | undefined;
  /** `default` when undeclared */
  rateClass: RateClass;
}

const policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

/**
 * The policy of the route a request reached, read from its decorators once per route (controller
 * and handler): the metadata is fixed at start-up, and the reflector walks it on every call.
 */
export function routePolicy(reflector: Reflector, context: ExecutionContext): RoutePolicy {
  const handler = context.getHandler();
  const controller = context.getClass();
  let byHandler = policies.get(controller);
  if (!byHandler) policies.set(controller, (byHandler = new WeakMap()));
  let policy = byHandler.get(handler);
  if (!policy) {
    const targets = [handler, controller];
    policy = {
      isPublic: reflector.getAllAndOverride<boolean | undefined>(PUBLIC_METADATA, targets) ?? false,
      requirement: reflector.getAllAndOverride<RoleRequirement | undefined>(ROLE_METADATA, targets) ?? {
        role: 'admin',
      },
      owner: reflector.getAllAndOverride<OwnerLocation | undefined>(OWNER_METADATA, targets),
      rateClass:
        reflector.getAllAndOverride<RateClass | undefined>(RATE_CLASS_METADATA, targets) ?? 'default',
    };
    byHandler.set(handler, policy);
  }
  return policy;
}
