import { type DynamicModule, Logger, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyInstance } from 'fastify';
import { LoggerModule as PinoLoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type LogFn } from 'pino';
import pinoPretty from 'pino-pretty';
import { appConfig } from '../../config';
import { RequestContextService } from '../common/request-context.module';
import { clientRequestIdOf } from '../common/request-id';
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

/** Where log lines go: the server writes to stdout; a CLI to stderr, keeping stdout for its output. */
export type LogOutput = 'stdout' | 'stderr';

/**
 * Pretty, short lines for a person at a terminal in development; JSON lines (one object each, for a
 * log pipeline) in production and whenever the output is not a terminal (files, pipes, containers).
 */
export function logFormat(isProduction: boolean, isTTY: boolean | undefined): 'pretty' | 'json' {
  return !isProduction && isTTY === true ? 'pretty' : 'json';
}

/**
 * Nest's start-up bookkeeping (a line per module and per route) says nothing the OpenAPI document
 * does not; it is logged at debug so a start reads as a few lines (LOG_LEVEL=debug shows it).
 */
const BOOKKEEPING_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

export function isBookkeeping(args: unknown[]): boolean {
  const first = args[0] as { context?: unknown } | undefined;
  return typeof first?.context === 'string' && BOOKKEEPING_CONTEXTS.has(first.context);
}

/** A request line in pretty mode: `GET /v1/retrieve 200 3.1 ms`; other lines: `[Context] message`. */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  if (log.context === 'HttpRequest' && typeof log.method === 'string') {
    return `${log.method} ${String(log.path)} ${String(log.status_code)} ${String(log.response_time_ms)} ms`;
  }
  const message = log[messageKey];
  const text = typeof message === 'string' ? message : JSON.stringify(message ?? '');
  return `${typeof log.context === 'string' ? `[${log.context}] ` : ''}${text}`;
}

function logStream(format: 'pretty' | 'json', output: LogOutput): DestinationStream {
  const fd = output === 'stdout' ? 1 : 2;
  if (format === 'json') return pino.destination({ dest: fd, sync: true });
  // In-process and synchronous (no transport worker): lines keep their order and none are lost
  // when the process exits right after writing them.
  return pinoPretty({
    destination: fd,
    sync: true,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore:
      'pid,hostname,name,context,request_id,client_request_id,method,route,path,status_code,response_time_ms',
    messageFormat: prettyMessage,
    singleLine: true,
  });
}

/**
 * pino behind Nest's Logger. Every line written while a request is handled carries its
 * `request_id`, read from the request context when (and only when) a line is written: a
 * per-request child logger, as pino-http builds one, costs a serialisation and a redaction pass
 * on every request even when nothing is logged.
 */
@Module({})
export class LoggerModule {
  static forRoot(output: LogOutput = 'stdout'): DynamicModule {
    return {
      module: LoggerModule,
      imports: [
        PinoLoggerModule.forRootAsync({
          inject: [appConfig.KEY, RequestContextService],
          useFactory: (app: ConfigType<typeof appConfig>, requestContext: RequestContextService) => {
            const scrubber = resetSecretScrubber();
            return {
              // No per-request middleware: the context comes from RequestContextService's hook, and
              // logRequests writes the access lines.
              forRoutes: [],
              pinoHttp: [
                {
                  level: app.logLevel,
                  name: app.serviceName,
                  redact: { paths: REDACTED_PATHS, censor: REDACTED },
                  mixin: () => {
                    const { request_id, client_request_id } = requestContext.current();
                    if (!request_id) return {};
                    return client_request_id ? { request_id, client_request_id } : { request_id };
                  },
                  hooks: {
                    // The paths above catch secrets where we expect them; this catches every
                    // configured secret value wherever it turns up (an upstream's error echoing our
                    // key, a URL in a stack).
                    streamWrite: (line: string) => scrubber.scrub(line),
                    logMethod(this: pino.Logger, args: Parameters<LogFn>, method: LogFn, level: number) {
                      if (level === this.levels.values.info && isBookkeeping(args)) {
                        if (this.isLevelEnabled('debug')) this.debug(...args);
                        return;
                      }
                      method.apply(this, args);
                    },
                  },
                },
                logStream(logFormat(app.isProduction, process[output].isTTY), output),
              ],
            };
          },
        }),
      ],
    };
  }
}

/** One line per answered request (probes excepted), by route template, with its duration. */
export function logRequests(fastify: FastifyInstance): void {
  const logger = new Logger('HttpRequest');
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!PROBE.test(request.url)) {
      const clientId = clientRequestIdOf(request);
      logger.log(
        {
          request_id: request.id,
          ...(clientId ? { client_request_id: clientId } : {}),
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
