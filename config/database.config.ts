import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ConfigValidationError, isLoopbackHost, toBool, toInt, validateEnv, type Env } from './env';

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

  /**
   * Retrieval's statements as protocol-level named prepared statements (parsed and planned once
   * per connection). Needs a direct connection or a pooler that keeps them: PgBouncer 1.21+ with
   * max_prepared_statements (Neon's pooler has it). Behind one that does not, the first refusal
   * turns them off for the process (src/database/prepared-statements.ts).
   */
  @Transform(toBool)
  @IsBoolean()
  DB_PREPARED_STATEMENTS = true;

  @Transform(toBool)
  @IsBoolean()
  MIGRATIONS_RUN = true;

  @IsOptional()
  @IsString()
  DATABASE_CA_FILE?: string = undefined;

  /** Allow a non-loopback PostgreSQL without TLS (a private network you trust, e.g. compose). */
  @Transform(toBool)
  @IsBoolean()
  DATABASE_ALLOW_INSECURE = false;
}

export function loadDatabaseConfig(env: Env = process.env) {
  const v = validateEnv(DatabaseEnv, env, {
    DATABASE_URL: DATABASE_URL_ALIASES,
    DATABASE_CA_FILE: ['DATABASE_CA_FILE', 'PGSSLROOTCERT'],
  });
  if (v.DATABASE_URL && !v.DATABASE_ALLOW_INSECURE && sendsPlaintext(v.DATABASE_URL)) {
    throw new ConfigValidationError(
      'Invalid configuration: DATABASE_URL asks for no TLS (sslmode=disable/allow/prefer) to a non-loopback host; ' +
        'use sslmode=require or verify-full, or set DATABASE_ALLOW_INSECURE=true for a trusted private network',
    );
  }
  return {
    url: v.DATABASE_URL,
    poolMax: v.DB_POOL_MAX,
    connectionTimeoutMs: v.DB_CONNECTION_TIMEOUT_MS,
    statementTimeoutMs: v.DB_STATEMENT_TIMEOUT_MS,
    idleTimeoutMs: v.DB_IDLE_TIMEOUT_MS,
    connectRetryMs: v.DB_CONNECT_RETRY_MS,
    preparedStatements: v.DB_PREPARED_STATEMENTS,
    migrationsRun: v.MIGRATIONS_RUN,
    caFile: v.DATABASE_CA_FILE,
  };
}

export const databaseConfig = registerAs('database', () => loadDatabaseConfig());
export type DatabaseConfig = ReturnType<typeof loadDatabaseConfig>;

/** sslmode values that may fall back to (or insist on) an unencrypted connection. */
const PLAINTEXT_SSLMODES = new Set(['disable', 'allow', 'prefer']);

function sendsPlaintext(url: string): boolean {
  const parsed = new URL(url);
  const sslmode = parsed.searchParams.get('sslmode');
  return sslmode !== null && PLAINTEXT_SSLMODES.has(sslmode) && !isLoopbackHost(parsed.hostname);
}
