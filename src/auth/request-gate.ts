import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appConfig, authConfig, isLoopbackHost, rateLimitConfig } from '../../config';
import { DomainError } from '../common/errors';
import { missingKey, presentedKey, type AuthenticatedRequest } from './api-key.guard';
import { ApiKeysService, BOOTSTRAP_ADMIN_ID } from './api-keys.service';
import { RequestContextService } from '../common/request-context.module';
import { hasRole } from './roles';
import { FailedAuthLimiter } from './failed-auth-limiter';
import { ConcurrencyLimiter } from './concurrency-limiter';

/** Routes open to anyone: the probes, which say only up or down. */
const PUBLIC_ROUTE = /^\/(health|db\/status)\//;
/** The OpenAPI document (/docs-json, /docs-yaml), by the routed path: keyed in production. */
const DOCS_DOCUMENT_ROUTE = /^\/docs-/;
/**
 * The Swagger UI page and its assets (/docs, /docs/*), by the routed path: open, so that an admin
 * can open it in a plain browser and authorize there. In production it holds no part of the API
 * (src/openapi/swagger-ui.ts): the page downloads the document with the key entered.
 */
const DOCS_UI_ROUTE = /^\/docs(\/|$)/;

/**
 * What is decided before Fastify reads a request body, by the path the router matched (never the
 * raw URL, which percent-encoding disguises): who is calling (a 401 costs no body), whether a
 * route that takes a large body is called by a writer (only they may send one), how many requests
 * the caller already has in flight, and, while authentication is off, that the request names this
 * machine (DNS rebinding). Roles and ownership are checked later by ApiKeyGuard, per route.
 */
@Injectable()
export class RequestGate {
  private readonly failures: FailedAuthLimiter;
  private readonly concurrency: ConcurrencyLimiter;

  constructor(
    private readonly keys: ApiKeysService,
    private readonly context: RequestContextService,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(authConfig.KEY) auth: ConfigType<typeof authConfig>,
    @Inject(rateLimitConfig.KEY) limits: ConfigType<typeof rateLimitConfig>,
  ) {
    this.failures = new FailedAuthLimiter(auth.failuresPerWindow, limits.windowMs);
    this.concurrency = new ConcurrencyLimiter(limits.concurrencyPerKey);
  }

  install(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done) => {
      const route = request.routeOptions.url;
      // The probes and unmatched paths (a 404) pass without a promise: probes are polled constantly.
      if (route === undefined || PUBLIC_ROUTE.test(route)) return done();
      this.admit(request as AuthenticatedRequest, reply, route).then(() => done(), done);
    });
  }

  private async admit(request: AuthenticatedRequest, reply: FastifyReply, route: string): Promise<void> {
    const docs = DOCS_DOCUMENT_ROUTE.test(route);
    if (!this.keys.required) {
      this.refuseForeignHost(request);
      this.context.setActor({ kind: 'auth_disabled' });
      return;
    }
    if (DOCS_UI_ROUTE.test(route)) return;
    if (!docs || this.app.isProduction) await this.authenticate(request);
    // Per key: with authentication off (development, loopback only) there is no caller to bound.
    if (request.principal && !docs) this.concurrency.admit(`key:${request.principal.key_id}`, reply);
  }

  private async authenticate(request: AuthenticatedRequest): Promise<void> {
    const key = presentedKey(request);
    if (!key) throw missingKey();
    this.failures.check(request.ip);
    const principal = await this.keys.authenticate(key);
    if (!principal) {
      this.failures.record(request.ip);
      throw new DomainError('UNAUTHORIZED', 'The API key is not valid or has been revoked');
    }
    // A route whose body limit is above the ordinary one (ingest) takes large bodies from writers only.
    const bodyLimit = request.routeOptions.bodyLimit ?? this.app.bodyLimitBytes;
    if (bodyLimit > this.app.bodyLimitBytes && !hasRole(principal.role, 'writer')) {
      throw new DomainError(
        'FORBIDDEN',
        `This operation needs the writer role; the key has ${principal.role}`,
      );
    }
    request.principal = principal;
    this.context.setActor(
      principal.key_id === BOOTSTRAP_ADMIN_ID
        ? { kind: 'bootstrap_admin', role: 'admin' }
        : { kind: 'api_key', key_id: principal.key_id, role: principal.role },
    );
  }

  /**
   * With authentication off the service trusts whoever reaches it, which must be this machine: a
   * page on another site that rebinds its DNS name to 127.0.0.1 still sends its own Host.
   */
  private refuseForeignHost(request: FastifyRequest): void {
    const host = request.host ?? '';
    const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    if (!isLoopbackHost(hostname)) {
      throw new DomainError(
        'FORBIDDEN',
        'Authentication is disabled, so only requests addressed to localhost are served',
      );
    }
  }
}
