import { DomainError } from '../common/errors';

/** The SQLSTATE of a failed statement (TypeORM wraps pg's error as `driverError`), if any. */
export function sqlState(error: unknown): string | undefined {
  const wrapped = (error as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  const direct = (error as { code?: unknown } | null)?.code;
  const code = wrapped ?? direct;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * The statement itself can never succeed (bad data, a broken constraint): retrying it is useless.
 * Anything else (no SQLSTATE: a network error or a client timeout; 08 connection, 53 resources,
 * 57 operator intervention such as a restart) may pass on a later attempt.
 */
export function isPermanentSqlError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/**
 * Runs a hot-path read. If PostgreSQL cannot answer, the request fails with 503: candidates the
 * system of record has not confirmed are never served.
 */
export async function confirmedByPostgres<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof DomainError || isPermanentSqlError(error) || isProgrammingError(error)) throw error;
    throw new DomainError(
      'DATABASE_UNAVAILABLE',
      'PostgreSQL could not confirm the retrieved chunks, and unconfirmed text is never served; try again shortly',
    );
  }
}

/** Syntax and access errors (42), and errors without an SQLSTATE that are ours (TypeError…). */
function isProgrammingError(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return state.startsWith('42');
  return error instanceof TypeError || error instanceof RangeError;
}
