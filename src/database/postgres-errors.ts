import {
  CannotExecuteNotConnectedError,
  QueryRunnerAlreadyReleasedError,
  QueryFailedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';

/**
 * What a PostgreSQL failure means for the caller — the one place that decides it, for the HTTP
 * error filter, the retrieval path, retries, the health probes and start-up:
 * - `unavailable`: the connection failed or the server cannot serve now (refused, reset, terminated,
 *   starting up or shutting down, too many connections, authentication, a pooler's refusal).
 *   Retrying later may succeed; clients get 503 with Retry-After.
 * - `timeout`: the statement ran past its time limit and was cancelled (57014; see statement-timeout.ts).
 * - `unique` / `foreign_key` / `constraint`: the data itself breaks a rule; retrying is useless.
 * - `programming`: our SQL or code is wrong (class 42, or a TypeError in our code).
 * - `unknown`: none of these (a bug until proven otherwise).
 */
export type PostgresFailure =
  'unavailable' | 'timeout' | 'unique' | 'foreign_key' | 'constraint' | 'programming' | 'unknown';

/** The SQLSTATE of a failed statement (TypeORM wraps pg's error as `driverError`), if any. */
export function sqlState(error: unknown): string | undefined {
  const wrapped = (error as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  const direct = (error as { code?: unknown } | null)?.code;
  const code = wrapped ?? direct;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

// Node's socket errors, on the error itself or on the driver error TypeORM wraps.
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

// node-postgres's own messages for a connection it lost or could not get (no code attached).
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection refused|connection is closed|Cannot use a pool after calling end/i;

export function classifyPostgresError(error: unknown): PostgresFailure {
  if (isConnectionFailure(error)) return 'unavailable';
  const state = sqlState(error);
  if (state === '57014') return 'timeout';
  if (state === '23505') return 'unique';
  if (state === '23503') return 'foreign_key';
  if (state?.startsWith('22') || state?.startsWith('23')) return 'constraint';
  if (state?.startsWith('42')) return 'programming';
  if (state === undefined && (error instanceof TypeError || error instanceof RangeError))
    return 'programming';
  return 'unknown';
}

function isConnectionFailure(error: unknown): boolean {
  // TypeORM's answer when the connection under a query runner was released because its backend
  // died (pg_terminate_backend, a server restart) in the middle of a transaction.
  if (
    error instanceof QueryRunnerProviderAlreadyReleasedError ||
    error instanceof QueryRunnerAlreadyReleasedError ||
    error instanceof CannotExecuteNotConnectedError
  ) {
    return true;
  }
  // Socket codes first: some (EPIPE) have the shape of an SQLSTATE.
  for (const candidate of [error, (error as { driverError?: unknown } | null)?.driverError]) {
    const { code, message } = (candidate ?? {}) as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && SOCKET_ERRORS.has(code)) return true;
    if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
  }
  // 08 connection exception (pgbouncer's refusals are 08P01), 53 insufficient resources (53300
  // too many connections: Neon's answer at its limit), 57P0x shutting down, crashed, starting up,
  // 28 authentication, 3D000 the database is gone.
  const state = sqlState(error);
  return state !== undefined && (/^(08|53|57P0|28)/.test(state) || state === '3D000');
}

/** The statement itself can never succeed (bad data, a broken constraint): retrying it is useless. */
export function isPermanentPostgresError(error: unknown): boolean {
  const failure = classifyPostgresError(error);
  return failure === 'unique' || failure === 'foreign_key' || failure === 'constraint';
}

/** A one-line reason, stripped of anything that could hold a credential. */
export function describePostgresError(error: unknown): string {
  const err = error as { code?: string; message?: string };
  const message = (err.message ?? String(error)).split('\n')[0].replace(/postgres(ql)?:\/\/\S+/g, '<url>');
  return err.code ? `${err.code}: ${message}` : message;
}

/** What a failed statement's driver error says, for translating it into a client error. */
export interface FailedStatement {
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
  detail?: string;
}

/** The driver error of a statement PostgreSQL refused; undefined for anything else. */
export function failedStatement(error: unknown): FailedStatement | undefined {
  return error instanceof QueryFailedError ? (error.driverError as FailedStatement) : undefined;
}
