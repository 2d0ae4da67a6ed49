import 'reflect-metadata';
import { Logger as NestLogger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { join } from 'node:path';
import { loadAppConfig, loadQdrantConfig, validateAllConfig } from '../../config';
import { AppModule } from '../app.module';
import { resolveDatabaseServer, type DatabaseServer } from '../database/database-server';
import { cliErrorMessage, logToStderr } from './run-cli';
import type { RunningService } from './service-client';

export interface CliContextOptions {
  /**
   * Whether the task needs the vector store. `false`: only the database's part of the module graph
   * is built, so the task also runs beside a service that owns the embedded database and vector
   * store. Otherwise, what to do when another process owns the embedded vector store (only one
   * process may open it): run through the service's admin API (`viaService`), or refuse, saying
   * what to do `instead`.
   */
  vectors: false | { viaService?: (service: RunningService) => Promise<number>; instead: string };
}

/**
 * Runs a command-line task inside the application's module graph (same config, database,
 * vector store and services as the server), then shuts everything down in order. With the
 * embedded database owned by a running service, the task uses that service's PostgreSQL.
 */
export async function runWithAppContext(
  task: (app: INestApplicationContext) => Promise<number>,
  options: CliContextOptions,
): Promise<void> {
  logToStderr();
  try {
    validateAllConfig();
    const database = await resolveDatabaseServer({ share: true });
    try {
      const beside = options.vectors ? vectorStoreOwner(database) : undefined;
      if (beside && options.vectors) {
        process.exitCode = await besideOwner(beside, options.vectors);
        return;
      }
      process.exitCode = await withAppContext(database.url, task, { vectors: options.vectors !== false });
    } finally {
      await database.embedded?.stop();
    }
  } catch (error) {
    process.stderr.write(`${cliErrorMessage(error)}\n`);
    process.exitCode = 1;
  }
}

/** The module graph on an already resolved database URL, closed after `task` however it ends. */
export async function withAppContext<T>(
  databaseUrl: string,
  task: (app: INestApplicationContext) => Promise<T>,
  options: { vectors: boolean } = { vectors: true },
): Promise<T> {
  const moduleOptions = { databaseUrl, logOutput: 'stderr' as const };
  const app = await NestFactory.createApplicationContext(
    options.vectors ? AppModule.forRoot(moduleOptions) : AppModule.forDatabaseTools(moduleOptions),
    {
      bufferLogs: true,
      abortOnError: false,
    },
  );
  app.useLogger(app.get(Logger));
  try {
    return await task(app);
  } finally {
    await app.close();
  }
}

/** Another live process that holds the embedded vector store, when one does. */
export function vectorStoreOwner(
  database: DatabaseServer,
): { pid: number; serviceUrl?: string; directory: string } | undefined {
  if (!database.owner || loadQdrantConfig().url) return undefined;
  return {
    pid: database.owner.pid,
    serviceUrl: database.owner.service_url,
    directory: join(loadAppConfig().dataDir, 'vectors'),
  };
}

/** The line a vector task prints when the embedded vector store belongs to another process. */
export function vectorStoreInUse(
  owner: { pid: number; serviceUrl?: string; directory: string },
  instead: string,
) {
  return owner.serviceUrl
    ? `The embedded vector store in ${owner.directory} belongs to the running service (pid ${owner.pid}, ` +
        `${owner.serviceUrl}) and only it may open it: ${instead}`
    : `The embedded vector store in ${owner.directory} is in use by another ragstore process (pid ${owner.pid}): ` +
        'wait until it has finished, then run this again';
}

async function besideOwner(
  owner: { pid: number; serviceUrl?: string; directory: string },
  vectors: Exclude<CliContextOptions['vectors'], false>,
): Promise<number> {
  if (owner.serviceUrl && vectors.viaService) {
    new NestLogger('Cli').log(
      `The running service (pid ${owner.pid}) owns the embedded vector store: asking its admin API at ${owner.serviceUrl}`,
    );
    return vectors.viaService({ pid: owner.pid, url: owner.serviceUrl });
  }
  throw new Error(vectorStoreInUse(owner, vectors.instead));
}
