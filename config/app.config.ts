import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { resolve } from 'node:path';
import { toInt, validateEnv, type Env } from './env';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

class AppEnv {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @Transform(toInt)
  @Min(0)
  @Max(65535)
  @IsInt()
  PORT = 3000;

  @IsString()
  @MinLength(1)
  HOST = '127.0.0.1';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsString()
  @MinLength(1)
  DATA_DIR = './.data';

  @Transform(toInt)
  @Min(1024)
  @Max(256 * 1024 * 1024)
  @IsInt()
  BODY_LIMIT_BYTES = 1024 * 1024;

  @IsOptional()
  @IsString()
  SERVICE_NAME = 'ragstore';

  /** Browser origins allowed to call the API (the chat frontend), comma-separated; none by default. */
  @IsOptional()
  @Matches(/^(https?:\/\/[^\s,/]+)(,\s*https?:\/\/[^\s,/]+)*$/, {
    message: 'must be a comma-separated list of origins such as https://chat.example.com',
  })
  CORS_ORIGINS?: string = undefined;
}

export function loadAppConfig(env: Env = process.env) {
  const v = validateEnv(AppEnv, env);
  return {
    nodeEnv: v.NODE_ENV,
    isProduction: v.NODE_ENV === 'production',
    port: v.PORT,
    host: v.HOST,
    logLevel: v.LOG_LEVEL,
    dataDir: resolve(v.DATA_DIR),
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    serviceName: v.SERVICE_NAME,
    corsOrigins: v.CORS_ORIGINS ? v.CORS_ORIGINS.split(',').map((origin) => origin.trim()) : [],
  };
}

export const appConfig = registerAs('app', () => loadAppConfig());
export type AppConfig = ReturnType<typeof loadAppConfig>;
