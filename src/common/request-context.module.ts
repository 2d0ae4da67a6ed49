import { Global, Injectable, Module } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AsyncLocalStorage } from 'node:async_hooks';
import { clientRequestIdOf } from './request-id';

/** Who acted, as the audit trail names them: an API key, the bootstrap admin, or nobody checked. */
export type Actor =
  | { kind: 'api_key'; key_id: string; role: string }
  | { kind: 'bootstrap_admin'; role: 'admin' }
  | { kind: 'auth_disabled' };

/** Who and where a request came from, as recorded in the audit trail. */
export interface RequestContext {
  ip_address: string | null;
  user_agent: string | null;
  /** Issued by the server (a UUID); unique per request. */
  request_id: string | null;
  /** The caller's `x-request-id`, when it is a sane token; never used as the id. */
  client_request_id: string | null;
  /** Set once the caller is authenticated (before the body is read); null outside a request. */
  actor: Actor | null;
}

const MAX_USER_AGENT_LENGTH = 512;
const OUTSIDE_A_REQUEST: RequestContext = Object.freeze({
  ip_address: null,
  user_agent: null,
  request_id: null,
  client_request_id: null,
  actor: null,
});
/** One per process, like the request it tracks: the logger reads it too, whichever app it serves. */
const storage = new AsyncLocalStorage<RequestContext>();

/**
 * Request-scoped context through AsyncLocalStorage, so services can record who did what without
 * threading it through every call. One Fastify hook per request rather than nestjs-cls, which
 * also mounts a no-op global guard and interceptor (the interceptor alone puts every request
 * through Nest's RxJS interceptor chain) and re-requires a module on every request.
 */
@Injectable()
export class RequestContextService {
  /** The current request's context; outside a request (jobs, CLI) every field is null. */
  current(): RequestContext {
    return storage.getStore() ?? OUTSIDE_A_REQUEST;
  }

  /** Records who is acting for the rest of the current request (a no-op outside one). */
  setActor(actor: Actor): void {
    const context = storage.getStore();
    if (context) context.actor = actor;
  }

  /**
   * Runs the rest of every request inside its context. The context holds copies, not the
   * request: anything created during a request (a pooled connection, a timer) keeps the
   * context alive, and must not keep a request body alive with it.
   */
  bind(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
      const userAgent = request.headers['user-agent'];
      storage.run(
        {
          ip_address: request.ip ?? null,
          user_agent: userAgent ? userAgent.slice(0, MAX_USER_AGENT_LENGTH) : null,
          request_id: request.id,
          client_request_id: clientRequestIdOf(request),
          actor: null,
        },
        done,
      );
    });
  }
}

@Global()
@Module({
  providers: [RequestContextService],
  exports: [RequestContextService],
})
export class RequestContextModule {}
