import { Logger } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { describePostgresError } from './postgres-errors';

/**
 * Opens the pool, retrying an unreachable database with capped exponential backoff for up to
 * `retryForMs`, logging each failed attempt with its reason (never the connection string).
 */
export async function connectWithRetry(
  options: DataSourceOptions,
  retryForMs: number,
  logger = new Logger('Database'),
): Promise<DataSource> {
  const deadline = Date.now() + retryForMs;
  for (let attempt = 1; ; attempt++) {
    const dataSource = new DataSource(options);
    try {
      return await dataSource.initialize();
    } catch (error) {
      const reason = describePostgresError(error);
      const delay = Math.min(5_000, 250 * 2 ** (attempt - 1));
      if (Date.now() + delay > deadline) {
        logger.error(`PostgreSQL connection attempt ${attempt} failed: ${reason}; giving up`);
        throw new DatabaseUnreachableError(reason, attempt);
      }
      logger.warn(`PostgreSQL connection attempt ${attempt} failed: ${reason}; retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
  constructor(
    readonly reason: string,
    readonly attempts: number,
  ) {
    super(`PostgreSQL unreachable after ${attempts} attempt(s): ${reason}`);
  }
}
