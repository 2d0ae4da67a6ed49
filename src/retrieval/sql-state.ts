import { DomainError } from '../common/errors';
import { classifyPostgresError, isPermanentPostgresError } from '../database/postgres-errors';

/**
 * Runs a hot-path read. If PostgreSQL cannot answer, the request fails with 503: candidates the
 * system of record has not confirmed are never served (DATABASE_TIMEOUT when the statement ran
 * past its time limit, DATABASE_UNAVAILABLE otherwise). Bad data and wrong SQL keep their own error.
 */
export async function confirmedByPostgres<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const failure = classifyPostgresError(error);
    if (error instanceof DomainError || isPermanentPostgresError(error) || failure === 'programming') {
      throw error;
    }
    if (failure === 'timeout') {
      throw new DomainError(
        'DATABASE_TIMEOUT',
        'PostgreSQL did not confirm the retrieved chunks within the retrieval time limit, and unconfirmed text is never served; narrow the query or try again shortly',
      );
    }
    throw new DomainError(
      'DATABASE_UNAVAILABLE',
      'PostgreSQL could not confirm the retrieved chunks, and unconfirmed text is never served; try again shortly',
    );
  }
}
