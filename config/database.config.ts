import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { toBool, toInt, validateEnv, type Env } from './env';

/** The names both specifications use for the PostgreSQL connection string. */
export const DATABASE_URL_ALIASES = [
  'DATABASE_URL',
  'NEON_DATABASE_URL',
  'NEON_POSTGRES_CONNECTION_STRING',
] as const;

class DatabaseEnv {
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, {
    message: 'must be a postgres:// or postgresql:// connection string',
  })
  DATABASE_URL?: string = undefined;

  // Neon's free tier allows ~100 direct connections per compute; the pooled endpoint many more.
  @Transform(toInt)
  @Min(1)
  @Max(500)
  @IsInt()
  DB_POOL_MAX = 10;

  @Transform(toInt)
  @Min(100)
  @Max(120_000)
  @IsInt()
  DB_CONNECTION_TIMEOUT_MS = 5_000;

  @Transform(toInt)
  @Min(0)
  @Max(3_600_000)
  @IsInt()
  DB_STATEMENT_TIMEOUT_MS = 15_000;

  @Transform(toInt)
  @Min(1_000)
  @Max(600_000)
  @IsInt()
  DB_IDLE_TIMEOUT_MS = 30_000;

  /** How long start-up keeps retrying an unreachable database before giving up. */
  @Transform(toInt)
  @Min(0)
  @Max(600_000)
  @IsInt()
  DB_CONNECT_RETRY_MS = 30_000;

  @Transform(toBool)
  @IsBoolean()
  MIGRATIONS_RUN = true;

  @IsOptional()
  @IsString()
  DATABASE_CA_FILE?: string = undefined;
}

export function loadDatabaseConfig(env: Env = process.env) {
  const v = validateEnv(DatabaseEnv, env, {
    DATABASE_URL: DATABASE_URL_ALIASES,
    DATABASE_CA_FILE: ['DATABASE_CA_FILE', 'PGSSLROOTCERT'],
  });
  return {
    url: v.DATABASE_URL,
    poolMax: v.DB_POOL_MAX,
    connectionTimeoutMs: v.DB_CONNECTION_TIMEOUT_MS,
    statementTimeoutMs: v.DB_STATEMENT_TIMEOUT_MS,
    idleTimeoutMs: v.DB_IDLE_TIMEOUT_MS,
    connectRetryMs: v.DB_CONNECT_RETRY_MS,
    migrationsRun: v.MIGRATIONS_RUN,
    caFile: v.DATABASE_CA_FILE,
  };
}

export const databaseConfig = registerAs('database', () => loadDatabaseConfig());
export type DatabaseConfig = ReturnType<typeof loadDatabaseConfig>;
