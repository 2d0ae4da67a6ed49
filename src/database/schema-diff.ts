import type { DataSource, QueryRunner } from 'typeorm';

/** The SQL that would bring the database to the entities (what `migration:generate` writes). */
export type SchemaDiff = Awaited<ReturnType<ReturnType<DataSource['driver']['createSchemaBuilder']>['log']>>;

/**
 * The schema builder's diff, with its catalog reads run one at a time. TypeORM reads the catalog
 * with concurrent queries on one connection (`Promise.all` in `getTables`), which pg 8.19+
 * deprecates (a `DeprecationWarning` with a stack, on every drift check: typeorm/typeorm#12055).
 * Serialising them on that one runner gives the same answer without the warning; nothing else
 * uses the data source meanwhile (the migration CLI and the drift test run it alone).
 */
export async function schemaDiff(dataSource: DataSource): Promise<SchemaDiff> {
  const own = Object.getOwnPropertyDescriptor(dataSource, 'createQueryRunner');
  const createQueryRunner = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (...args) => oneQueryAtATime(createQueryRunner(...args));
  try {
    return await dataSource.driver.createSchemaBuilder().log();
  } finally {
    if (own) Object.defineProperty(dataSource, 'createQueryRunner', own);
    else delete (dataSource as { createQueryRunner?: unknown }).createQueryRunner;
  }
}

function oneQueryAtATime(runner: QueryRunner): QueryRunner {
  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  runner.query = ((...args: unknown[]) => {
    const run = tail.then(() => query(...args));
    tail = run.catch(() => undefined);
    return run;
  }) as QueryRunner['query'];
  return runner;
}
