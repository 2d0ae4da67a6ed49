import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MigrationExecutor, type DataSource } from 'typeorm';
import { loadDatabaseConfig, validateAllConfig } from '../../config';
import { connectWithRetry } from './connect';
import { resolveDatabaseServer } from './database-server';
import { buildDataSourceOptions } from './postgres-options';
import { schemaDiff } from './schema-diff';

const USAGE = 'usage: migration-cli <run|revert|show|generate Name|create Name>';
const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

/**
 * The migration commands behind `npm run migration:*`, against the configured database or,
 * when none is set, the embedded one under DATA_DIR (the same one `npm start` uses).
 */
async function main(argv: string[]): Promise<void> {
  const [command, name] = argv;
  if (command === 'create') return writeMigration(requireName(name), [], []);
  if (!['run', 'revert', 'show', 'generate'].includes(command ?? '')) throw new Error(USAGE);

  validateAllConfig();
  const database = loadDatabaseConfig();
  const { url, embedded } = await resolveDatabaseServer({ share: true });
  const dataSource = await connectWithRetry(buildDataSourceOptions(database, url), database.connectRetryMs);
  try {
    await execute(dataSource, command, name);
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

async function execute(dataSource: DataSource, command: string, name?: string): Promise<void> {
  const logger = new Logger('Migrations');
  switch (command) {
    case 'run': {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      logger.log(applied.length ? `Applied: ${applied.map((m) => m.name).join(', ')}` : 'Nothing to apply');
      return;
    }
    case 'revert':
      await dataSource.undoLastMigration({ transaction: 'each' });
      logger.log('Reverted the last applied migration');
      return;
    case 'show': {
      // One line per migration, as `typeorm migration:show` prints them: [X] applied, [ ] pending.
      const executor = new MigrationExecutor(dataSource);
      const applied = (await executor.getExecutedMigrations()).sort((a, b) => a.timestamp - b.timestamp);
      const pending = await executor.getPendingMigrations();
      for (const migration of applied) process.stdout.write(`[X] ${migration.name}\n`);
      for (const migration of pending) process.stdout.write(`[ ] ${migration.name}\n`);
      logger.log(pending.length ? `${pending.length} migration(s) pending` : 'All migrations applied');
      return;
    }
    case 'generate': {
      const migrationName = requireName(name);
      const log = await schemaDiff(dataSource);
      if (log.upQueries.length === 0) {
        logger.log('The entities match the schema: nothing to generate');
        return;
      }
      writeMigration(
        migrationName,
        log.upQueries.map((q) => q.query),
        log.downQueries.reverse().map((q) => q.query),
      );
      return;
    }
  }
}

function requireName(name?: string): string {
  if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error(`${USAGE} (Name in PascalCase)`);
  return name;
}

function writeMigration(name: string, up: string[], down: string[]): void {
  const timestamp = Date.now();
  const statements = (queries: string[]) =>
    queries.map((q) => `    await queryRunner.query(${JSON.stringify(q)});`).join('\n');
  const file = join(MIGRATIONS_DIR, `${timestamp}-${name}.ts`);
  writeFileSync(
    file,
    `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${timestamp} implements MigrationInterface {
  name = '${name}${timestamp}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${statements(up)}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${statements(down)}
  }
}
`,
  );
  new Logger('Migrations').log(`Wrote ${file}; read it before committing it`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
