import { Logger } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { EmbeddedPostgresServer } from '../../src/database/embedded-postgres.server';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { ADMIN_URL_ENV, APP_URL_ENV, TEMPLATE_ENV, databaseUrl, withAdminClient } from './postgres';

declare global {
  var __RAGSTORE_PG__: EmbeddedPostgresServer | undefined;
}

/**
 * One PostgreSQL per run: TEST_DATABASE_URL's server, or an embedded one in a temporary
 * directory. A template database is migrated once; each test file clones it.
 *
 * When TEST_DATABASE_URL names a pooler (PgBouncer in transaction mode, as Neon's `-pooler`
 * host), TEST_DATABASE_DIRECT_URL names the server behind it: databases are created, cloned and
 * migrated there (a pooler keeps idle server connections to the template, which CREATE DATABASE …
 * TEMPLATE refuses; migrations take the direct URL in production too), and the code under test
 * connects through the pooler.
 */
export default async function globalSetup(): Promise<void> {
  // The embedded server's start-up line would open every run; a passing run prints only jest's report.
  Logger.overrideLogger(['error']);
  const app = process.env.TEST_DATABASE_URL;
  let admin = process.env.TEST_DATABASE_DIRECT_URL ?? app;
  if (!admin) {
    const server = await EmbeddedPostgresServer.start(mkdtempSync(join(tmpdir(), 'ragstore-test-pg-')));
    globalThis.__RAGSTORE_PG__ = server;
    admin = server.url;
  }
  const template = `ragstore_template_${process.pid}`;
  await withAdminClient(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${template}"`);
  }, admin);

  const dataSource = new DataSource(
    buildDataSourceOptions(loadDatabaseConfig({}), databaseUrl(template, admin)),
  );
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  process.env[ADMIN_URL_ENV] = admin;
  process.env[APP_URL_ENV] = app ?? admin;
  process.env[TEMPLATE_ENV] = template;
}
