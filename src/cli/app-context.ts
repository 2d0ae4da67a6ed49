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
      const app = await NestFactory.createApplicationContext(
        AppModule.forRoot({ databaseUrl: database.url }),
        {
          bufferLogs: true,
          abortOnError: false,
        },
      );
      app.useLogger(app.get(Logger));
      try {
        process.exitCode = await task(app);
      } finally {
        await app.close();
      }
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
