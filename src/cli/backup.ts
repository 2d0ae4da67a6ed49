import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDatabaseConfig, validateAllConfig } from '../../config';
import { writeBackup } from '../database/backup-archive';
import { resolveDatabaseServer } from '../database/database-server';
import { describeDatabase } from '../database/postgres-options';
import { connectClient } from './pg-client';
import { parseCliArgs, runCli } from './run-cli';

/**
 * `npm run backup [-- --out <dir>]`: a consistent logical backup of every table into
 * `<dir>/ragstore-<UTC timestamp>.ndjson.gz` (default dir: BACKUP_DIR or ./backups). Vectors are
 * not archived: PostgreSQL holds every embedding, and `npm run restore` rebuilds the index.
 */
const { values } = parseCliArgs('usage: npm run backup [-- --out <dir>]', { out: { type: 'string' } });

runCli(async () => {
  validateAllConfig();
  const directory = resolve(values.out ?? process.env.BACKUP_DIR ?? 'backups');
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `ragstore-${new Date().toISOString().replace(/[-:.]/g, '')}.ndjson.gz`);
  const server = await resolveDatabaseServer({ share: true });
  try {
    const client = await connectClient(loadDatabaseConfig(), server.url, 'ragstore-backup');
    try {
      const started = Date.now();
      const manifest = await writeBackup(client, file);
      const tables = Object.entries(manifest.tables).map(([name, t]) => `${name}=${t.rows}`);
      process.stdout.write(
        `Backed up ${describeDatabase(server.url)} to ${file} in ${Date.now() - started} ms: ${tables.join(', ')}\n`,
      );
    } finally {
      await client.end();
    }
  } finally {
    await server.embedded?.stop();
  }
  return 0;
});
