import 'reflect-metadata';
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { loadDatabaseConfig, validateAllConfig } from '../../config';
import { appliedMigrations, loadBackup, readHeader, rowCounts } from '../database/backup-archive';
import { connectWithRetry } from '../database/connect';
import { resolveDatabaseServer } from '../database/database-server';
import { buildDataSourceOptions, describeDatabase } from '../database/postgres-options';
import { RebuildService } from '../sync/rebuild.service';
import { vectorStoreInUse, vectorStoreOwner, withAppContext } from './app-context';
import { connectClient } from './pg-client';
import { parseCliArgs, runCli } from './run-cli';

/**
 * `npm run restore -- <archive>`: restores an `npm run backup` archive into an empty database
 * (the configured one, or the embedded one), then rebuilds the vector index from it. Steps:
 * refuse a database that holds rows; apply this build's migrations; refuse an archive written by
 * another schema; load every table in one transaction checked against the manifest; rebuild.
 */
const USAGE = 'usage: npm run restore -- <archive.ndjson.gz>';
const { positionals } = parseCliArgs(USAGE, {}, true);

runCli(async () => {
  const archive = positionals[0];
  if (!archive || positionals.length > 1) throw new Error(USAGE);
  // A missing or unreadable archive: one line (ENOENT/EACCES and the path), before anything starts.
  accessSync(resolve(archive), constants.R_OK);
  const header = await readHeader(resolve(archive));
  validateAllConfig();
  const config = loadDatabaseConfig();
  const server = await resolveDatabaseServer({ share: true });
  const beside = vectorStoreOwner(server);
  // The restore ends with a rebuild of the vector index, which only the store's owner may do.
  if (beside) throw new Error(vectorStoreInUse(beside, 'stop the service, then restore'));
  const print = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const client = await connectClient(config, server.url, 'ragstore-restore');
    try {
      const occupied = Object.entries(await rowCounts(client)).filter(([, rows]) => rows > 0);
      if (occupied.length > 0) {
        throw new Error(
          `The target database ${describeDatabase(server.url)} is not empty (` +
            `${occupied.map(([table, rows]) => `${table}: ${rows} rows`).join(', ')}); restore only into an empty database`,
        );
      }
      const dataSource = await connectWithRetry(
        buildDataSourceOptions(config, server.url),
        config.connectRetryMs,
      );
      await dataSource.runMigrations({ transaction: 'each' }).finally(() => dataSource.destroy());
      const schema = await appliedMigrations(client);
      if (schema.join() !== header.migrations.join()) {
        throw new Error(
          `The archive was written by schema [${header.migrations.join(', ')}], this build has ` +
            `[${schema.join(', ')}]: restore with the build that wrote it, then upgrade`,
        );
      }
      const manifest = await loadBackup(client, resolve(archive));
      print(
        `Restored ${archive} (taken ${header.created_at}) into ${describeDatabase(server.url)}: ` +
          Object.entries(manifest.tables)
            .map(([table, t]) => `${table}=${t.rows}`)
            .join(', '),
      );
    } finally {
      await client.end();
    }
    // The archive holds no vectors: PostgreSQL has every embedding, so the index is rebuilt.
    process.env.QDRANT_ON_MISMATCH ??= 'warn';
    const report = await withAppContext(server.url, (app) =>
      app.get(RebuildService).rebuild({ keepOld: false, onProgress: print }),
    );
    print(`Vector index rebuilt: ${report.points} points in ${report.collection} behind ${report.alias}`);
  } finally {
    await server.embedded?.stop();
  }
  return 0;
});
