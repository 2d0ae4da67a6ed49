import { DomainError } from '../common/errors';
import { classifyPostgresError, isPermanentPostgresError } from '../database/postgres-errors';

/**
 * Runs a hot-path read. If PostgreSQL cannot answer, the request fails with 503: candidates the
 * system of record has not confirmed are never served. Bad data and wrong SQL keep their own error.
 */
export async function confirmedByPostgres<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (
      error instanceof DomainError ||
      isPermanentPostgresError(error) ||
      classifyPostgresError(error) === 'programming'
    ) {
      throw error;
    }
    throw new DomainError(
      'DATABASE_UNAVAILABLE',
      'PostgreSQL could not confirm the retrieved chunks, and unconfirmed text is never served; try again shortly',
    );
  }
}
