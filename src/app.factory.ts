import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { loadAppConfig, loadIngestionConfig } from '../config';
import { AppModule, type AppModuleOptions } from './app.module';
import { RequestGate } from './auth/request-gate';
import { frameworkError } from './common/all-exceptions.filter';
import { hardenHttp } from './common/http-hardening';
import { RequestContextService } from './common/request-context.module';
import { createValidationPipe } from './common/validation';
import { instrumentHttp } from './observability/http-metrics';
import { logRequests } from './observability/logger.module';
import { MetricsService } from './observability/metrics.service';
import { REQUEST_ID_HEADER, requestIdFor } from './common/request-id';
import { setUpSwagger } from './openapi/swagger-ui';

/**
 * Builds the application exactly as it runs in production; `main.ts` and the end-to-end tests
 * both call this, so the tests exercise the real pipes, filters, limits and documentation.
 */
export async function createApp(options: AppModuleOptions): Promise<NestFastifyApplication> {
  const config = loadAppConfig();
  const adapter = new FastifyAdapter({
    genReqId: requestIdFor,
    // Refusals Fastify makes before any hook (414, a URL that does not decode) in our error shape.
    frameworkErrors: frameworkError,
    requestTimeout: 30_000,
    return503OnClosing: true,
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // hardenHttp installs the one body parser (JSON only, depth-bounded) instead of Nest's JSON
    // and form parsers.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  const fastify = app.getHttpAdapter().getInstance();
  // First, so that everything after it (the key check included) logs the request id, and every
  // answer, a refusal before the body included, carries it.
  app.get(RequestContextService).bind(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  await hardenHttp(app, { app: config, ingestion: loadIngestionConfig() });
  app.get(RequestGate).install(fastify);
  instrumentHttp(fastify, app.get(MetricsService));
  logRequests(fastify);
  setUpSwagger(app, { gated: config.isProduction });
  return app;
}
