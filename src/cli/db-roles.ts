import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadDatabaseConfig, validateAllConfig } from '../../config';
import { readAliased } from '../../config/env';
import { connectWithRetry } from '../database/connect';
import { resolveDatabaseServer } from '../database/database-server';
import { buildDataSourceOptions } from '../database/postgres-options';
import { ROLE_NAMES, applyRoles } from '../database/roles';

/**
 * `npm run db:roles`: creates or updates ragstore_admin, ragstore_app and ragstore_reader on the
 * configured database (run it as the database owner, after migrations). Passwords come from
 * RAGSTORE_ADMIN_PASSWORD, RAGSTORE_APP_PASSWORD and RAGSTORE_READER_PASSWORD (or *_FILE); a role
 * whose password is unset keeps the one it has.
 */
async function main(): Promise<void> {
  validateAllConfig();
  const database = loadDatabaseConfig();
  const { url, embedded } = await resolveDatabaseServer({ share: true });
  const dataSource = await connectWithRetry(buildDataSourceOptions(database, url), database.connectRetryMs);
  try {
    await dataSource.transaction((manager) =>
      applyRoles(manager, {
        admin: readAliased(process.env, ['RAGSTORE_ADMIN_PASSWORD']).value,
        app: readAliased(process.env, ['RAGSTORE_APP_PASSWORD']).value,
        reader: readAliased(process.env, ['RAGSTORE_READER_PASSWORD']).value,
      }),
    );
    new Logger('DbRoles').log(`Roles in place: ${Object.values(ROLE_NAMES).join(', ')}`);
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
