import cors from '@fastify/cors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { AppConfig, IngestionConfig } from '../../config';
import { installRequestInputRules } from './request-input';

/** Routes that take a full ingest batch; every other route keeps BODY_LIMIT_BYTES. */
const LARGE_BODY_ROUTES = new Set(['/v1/ingest']);
/**
 * Security headers, the CORS allow-list, per-route body limits, and what a body may be (JSON only,
 * bounded depth, storable text). Who may send one is RequestGate's (src/auth/request-gate.ts).
 * Call before the app initialises.
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
  installRequestInputRules(fastify);
}
