import { Logger, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyInstance } from 'fastify';
import { LoggerModule as PinoLoggerModule } from 'nestjs-pino';
import { appConfig } from '../../config';
import { RequestContextService } from '../common/request-context.module';
import { REDACTED, resetSecretScrubber } from './secret-scrubber';

/** Paths of log fields that may hold a secret; pino replaces their values. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.apiKey',
  '*.api_key',
  '*.connectionString',
  '*.url',
];

/** Probes are polled constantly; a line each would drown the useful ones. */
const PROBE = /^\/(health|db\/status)\//;

/**
 * pino behind Nest's Logger. Every line written while a request is handled carries its
 * `request_id`, read from the request context when (and only when) a line is written: a
 * per-request child logger, as pino-http builds one, costs a serialisation and a redaction pass
 * on every request even when nothing is logged.
 */
@Module({
  imports: [
    PinoLoggerModule.forRootAsync({
      inject: [appConfig.KEY, RequestContextService],
      useFactory: (app: ConfigType<typeof appConfig>, requestContext: RequestContextService) => {
        const scrubber = resetSecretScrubber();
        return {
          // No per-request middleware: the context comes from RequestContextService's hook, and
          // logRequests writes the access lines.
          forRoutes: [],
          pinoHttp: {
            level: app.logLevel,
            name: app.serviceName,
            redact: { paths: REDACTED_PATHS, censor: REDACTED },
            // The paths above catch secrets where we expect them; this catches every configured
            // secret value wherever it turns up (an upstream's error echoing our key, a URL in a stack).
            hooks: { streamWrite: (line: string) => scrubber.scrub(line) },
            mixin: () => {
              const requestId = requestContext.current().request_id;
              return requestId ? { request_id: requestId } : {};
            },
            transport: undefined,
          },
        };
      },
    }),
  ],
})
export class LoggerModule {}

/** One line per answered request (probes excepted), by route template, with its duration. */
export function logRequests(fastify: FastifyInstance): void {
  const logger = new Logger('HttpRequest');
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!PROBE.test(request.url)) {
      logger.log(
        {
          request_id: request.id,
          method: request.method,
          route: request.routeOptions.url,
          path: request.url.split('?')[0],
          status_code: reply.statusCode,
          response_time_ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request completed',
      );
    }
    done();
  });
}
