import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Written by the global setup: the server every test file clones its database from, reached
 * directly (CREATE/DROP DATABASE, roles, pg_terminate_backend), and the URL the code under test
 * connects through: the same server, or a pooler in front of it (TEST_DATABASE_URL naming a
 * PgBouncer and TEST_DATABASE_DIRECT_URL the server behind it).
 */
export const ADMIN_URL_ENV = 'RAGSTORE_TEST_ADMIN_URL';
export const APP_URL_ENV = 'RAGSTORE_TEST_APP_URL';
export const TEMPLATE_ENV = 'RAGSTORE_TEST_TEMPLATE';

export function adminUrl(): string {
  const url = process.env[ADMIN_URL_ENV];
  if (!url) throw new Error(`${ADMIN_URL_ENV} is not set: run the tests through jest (npm test)`);
  return url;
}

/** The server (or pooler) the code under test connects to; the admin URL without a pooler. */
export function appUrl(): string {
  return process.env[APP_URL_ENV] ?? adminUrl();
}

/** Whether the code under test reaches PostgreSQL through a pooler (CI's PgBouncer run). */
export function throughPooler(): boolean {
  return appUrl() !== adminUrl();
}

export function databaseUrl(name: string, base = appUrl()): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdminClient<T>(fn: (client: Client) => Promise<T>, url = adminUrl()): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file: cloned from the migrated template (fast, isolated,
 * parallel-safe), or empty when `empty` is set (for migration tests).
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `ragstore_t_${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(4).toString('hex')}`;
  const template = options.empty ? 'template0' : process.env[TEMPLATE_ENV]!;
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    name,
    url: databaseUrl(name, appUrl()),
    drop: () =>
      withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
