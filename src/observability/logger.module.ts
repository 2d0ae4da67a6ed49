import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { LoggerModule as PinoLoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { appConfig } from '../../config';
import { REQUEST_ID_HEADER } from './request-id';

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

@Module({
  imports: [
    PinoLoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (app: ConfigType<typeof appConfig>) => ({
        pinoHttp: {
          level: app.logLevel,
          name: app.serviceName,
          genReqId: (req: IncomingMessage) => String(req.headers[REQUEST_ID_HEADER]),
          customAttributeKeys: { reqId: 'request_id' },
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          // Probes are polled constantly; a line each would drown the useful ones.
          autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|db\/status)\//.test(req.url ?? '') },
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({
              id: req.id,
              method: req.method,
              url: req.url?.split('?')[0],
            }),
          },
          transport: undefined,
        },
      }),
    }),
  ],
})
export class LoggerModule {}
