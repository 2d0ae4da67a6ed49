import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { TlsOptions } from 'node:tls';
import { isLoopbackHost, type DatabaseConfig } from '../../config';
import { ENTITIES } from './entities';
import { clientWithStatementTimeout } from './statement-timeout';

export const MIGRATIONS_GLOB = join(__dirname, '..', '..', 'migrations', '*.{ts,js}');

/**
 * TLS policy: `sslmode` in the URL wins (pg parses it); a CA file means verified TLS; otherwise a
 * non-loopback host gets verified TLS, because Neon (and any database across a network) needs it.
 */
export function tlsOptions(url: string, caFile?: string): TlsOptions | false | undefined {
  const parsed = new URL(url);
  if (caFile) return { ca: readFileSync(caFile, 'utf8'), rejectUnauthorized: true };
  if (parsed.searchParams.has('sslmode')) return undefined;
  return isLoopbackHost(parsed.hostname) ? false : { rejectUnauthorized: true };
}

export function buildDataSourceOptions(config: DatabaseConfig, url: string): DataSourceOptions {
  const connectionString = config.caFile ? withoutSslMode(url) : url;
  return {
    type: 'postgres',
    url: connectionString,
    ssl: tlsOptions(url, config.caFile),
    entities: ENTITIES,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'typeorm_migrations',
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: config.poolMax,
      connectionTimeoutMillis: config.connectionTimeoutMs,
      idleTimeoutMillis: config.idleTimeoutMs,
      application_name: 'ragstore',
      // No startup parameters beyond application_name (which PgBouncer tracks): a transaction-mode
      // pooler refuses the others. Statement timeouts are kept by the client (statement-timeout.ts).
      Client: clientWithStatementTimeout(config.statementTimeoutMs),
    },
  };
}

function withoutSslMode(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete('sslmode');
  return parsed.toString();
}

/** Host and database for logs: never the user name or password. */
export function describeDatabase(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}
