import cors from '@fastify/cors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig, IngestionConfig } from '../../config';
import { presentedKey } from '../auth/api-key.guard';
import { ApiKeysService } from '../auth/api-keys.service';
import { DomainError } from './errors';

/** Routes that take a full ingest batch; every other route keeps BODY_LIMIT_BYTES. */
const LARGE_BODY_ROUTES = new Set(['/v1/ingest']);
/** Open in development, behind an API key in production. */
const KEYED_IN_PRODUCTION = /^\/(docs|metrics)(\/|-json|$)/;

/**
 * Security headers, the CORS allow-list, per-route body limits, and the production guard for the
 * documentation and metrics (served outside Nest's guards). Call before the app initialises.
 */
export async function hardenHttp(
  app: NestFastifyApplication,
  config: { app: AppConfig; ingestion: IngestionConfig },
): Promise<void> {
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  fastify.addHook('onRoute', (route) => {
    route.bodyLimit = LARGE_BODY_ROUTES.has(route.url)
      ? config.ingestion.bodyLimitBytes
      : config.app.bodyLimitBytes;
  });
  // helmet 8's headers and defaults, resolved once at start-up (@fastify/helmet rebuilds its
  // middleware chain, CSP parsing included, on every request: ≈ 20 % of a probe's CPU).
  app.useSecurityHeaders({
    // Swagger UI needs its inline bootstrap script and styles; nothing else is served as HTML.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  if (config.app.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.app.corsOrigins,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'server-timing', 'retry-after'],
      maxAge: 600,
    });
  }
  if (config.app.isProduction) {
    fastify.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
      if (!KEYED_IN_PRODUCTION.test(request.url)) return;
      const key = presentedKey(request);
      if (!key || !(await app.get(ApiKeysService).authenticate(key))) {
        throw new DomainError(
          'UNAUTHORIZED',
          'An API key is required for the documentation and metrics in production',
        );
      }
    });
  }
}
