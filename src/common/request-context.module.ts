import { Global, Injectable, Module } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { ClsModule, ClsService, type ClsStore } from 'nestjs-cls';

/** Who and where a request came from, as recorded in the audit trail. */
export interface RequestContext {
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
}

interface RequestContextStore extends ClsStore {
  request?: RequestContext;
}

/** Fastify's middleware layer (middie) copies `id` and `ip` onto the raw request it hands us. */
type RawFastifyRequest = IncomingMessage & { id?: string; ip?: string };

const MAX_USER_AGENT_LENGTH = 512;

function captureRequestContext(cls: ClsService<RequestContextStore>, req: RawFastifyRequest): void {
  const userAgent = req.headers['user-agent'];
  cls.set('request', {
    ip_address: req.ip ?? req.socket?.remoteAddress ?? null,
    user_agent: userAgent ? userAgent.slice(0, MAX_USER_AGENT_LENGTH) : null,
    request_id: req.id ?? null,
  });
}

/** Reads the current request's context; outside a request (jobs, CLI) every field is null. */
@Injectable()
export class RequestContextService {
  constructor(private readonly cls: ClsService<RequestContextStore>) {}

  current(): RequestContext {
    const stored = this.cls.isActive() ? this.cls.get('request') : undefined;
    return stored ?? { ip_address: null, user_agent: null, request_id: null };
  }
}

/**
 * Request-scoped context through AsyncLocalStorage (nestjs-cls), set by a middleware on every
 * route, so services can record who did what without threading it through every call.
 */
@Global()
@Module({
  imports: [
    ClsModule.forRoot({
      global: true,
      middleware: { mount: true, setup: captureRequestContext },
    }),
  ],
  providers: [RequestContextService],
  exports: [RequestContextService],
})
export class RequestContextModule {}
