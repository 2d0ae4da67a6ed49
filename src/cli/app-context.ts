import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigValidationError, validateAllConfig } from '../../config';
import { AppModule } from '../app.module';
import { DatabaseUnreachableError } from '../database/connect';
import { resolveDatabaseServer } from '../database/database-server';

/**
 * Runs a command-line task inside the application's module graph (same config, database,
 * vector store and services as the server), then shuts everything down in order.
 */
export async function runWithAppContext(
  task: (app: INestApplicationContext) => Promise<number>,
): Promise<void> {
  try {
    validateAllConfig();
    const database = await resolveDatabaseServer();
    try {
      process.exitCode = await withAppContext(database.url, task);
    } finally {
      await database.embedded?.stop();
    }
  } catch (error) {
    const known = error instanceof ConfigValidationError || error instanceof DatabaseUnreachableError;
    process.stderr.write(
      `${known ? (error as Error).message : ((error as Error)?.stack ?? String(error))}\n`,
    );
    process.exitCode = 1;
  }
}

/** The module graph on an already resolved database URL, closed after `task` however it ends. */
export async function withAppContext<T>(
  databaseUrl: string,
  task: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ databaseUrl, logOutput: 'stderr' }),
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
