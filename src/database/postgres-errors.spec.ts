import { DatabaseError } from 'pg';
import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import {
  classifyPostgresError,
  describePostgresError,
  isPermanentPostgresError,
  type PostgresFailure,
} from './postgres-errors';

/** pg's error for a server ErrorResponse, as the driver builds it. */
function pgError(code: string, message = 'server said no'): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

/** What TypeORM throws for a failed statement: pg's error (or a socket error) as `driverError`. */
function failedQuery(driverError: Error): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], driverError);
}

function socketError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyPostgresError', () => {
  it.each<[string, unknown, PostgresFailure]>([
    [
      '57P03 while connecting (starting up / shutting down)',
      pgError('57P03', 'the database system is starting up'),
      'unavailable',
    ],
    [
      '53300 while connecting (too many connections)',
      pgError('53300', 'too many connections for role "app"'),
      'unavailable',
    ],
    ['57P01 terminating connection (pg_terminate_backend)', failedQuery(pgError('57P01')), 'unavailable'],
    [
      '08P01 from a pooler (pgbouncer)',
      pgError('08P01', 'no more connections allowed (max_client_conn)'),
      'unavailable',
    ],
    ['28P01 authentication failed', pgError('28P01'), 'unavailable'],
    ['3D000 the database is gone', pgError('3D000'), 'unavailable'],
    [
      'a socket reset inside a failed query',
      failedQuery(new Error('Connection terminated unexpectedly')),
      'unavailable',
    ],
    [
      'ECONNRESET inside a failed query',
      failedQuery(socketError('ECONNRESET', 'read ECONNRESET')),
      'unavailable',
    ],
    [
      'ECONNREFUSED while connecting',
      socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      'unavailable',
    ],
    ['EPIPE (shaped like an SQLSTATE)', socketError('EPIPE', 'write EPIPE'), 'unavailable'],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect'), 'unavailable'],
    [
      'a released query runner after its backend was terminated',
      new QueryRunnerProviderAlreadyReleasedError(),
      'unavailable',
    ],
    ['a released query runner', new QueryRunnerAlreadyReleasedError(), 'unavailable'],
    [
      'statement timeout',
      failedQuery(pgError('57014', 'canceling statement due to statement timeout')),
      'timeout',
    ],
    ['unique violation', failedQuery(pgError('23505')), 'unique'],
    ['foreign key violation', failedQuery(pgError('23503')), 'foreign_key'],
    ['not null violation', failedQuery(pgError('23502')), 'constraint'],
    ['invalid text representation', failedQuery(pgError('22P02')), 'constraint'],
    ['undefined column (our SQL)', failedQuery(pgError('42703')), 'programming'],
    ['a TypeError in our code', new TypeError('x is undefined'), 'programming'],
    ['anything else', new Error('something odd'), 'unknown'],
    ['a serialization failure', failedQuery(pgError('40001')), 'unknown'],
  ])('%s → %s', (_name, error, expected) => {
    expect(classifyPostgresError(error)).toBe(expected);
  });

  it('calls only bad data permanent (retrying cannot help), never an outage', () => {
    expect(isPermanentPostgresError(failedQuery(pgError('23505')))).toBe(true);
    expect(isPermanentPostgresError(failedQuery(pgError('22P02')))).toBe(true);
    expect(isPermanentPostgresError(pgError('57P03'))).toBe(false);
    expect(isPermanentPostgresError(new Error('Connection terminated unexpectedly'))).toBe(false);
  });
});

describe('describePostgresError', () => {
  it('gives one line with the code and never a connection string', () => {
    const error = socketError(
      'ECONNREFUSED',
      'connect to postgresql://app:s3cret@db:5432/book failed\nstack',
    );
    expect(describePostgresError(error)).toBe('ECONNREFUSED: connect to <url> failed');
  });
});
