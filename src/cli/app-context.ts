import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { validateAllConfig } from '../../config';
import { AppModule } from '../app.module';
import { resolveDatabaseServer } from '../database/database-server';
import { cliErrorMessage, logToStderr } from './run-cli';

/**
 * Runs a command-line task inside the application's module graph (same config, database,
 * vector store and services as the server), then shuts everything down in order.
 */
export async function runWithAppContext(
  task: (app: INestApplicationContext) => Promise<number>,
): Promise<void> {
  logToStderr();
  try {
    validateAllConfig();
    const database = await resolveDatabaseServer();
    try {
      process.exitCode = await withAppContext(database.url, task);
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
