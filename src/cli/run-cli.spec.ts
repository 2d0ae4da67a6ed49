import { ConfigValidationError } from '../../config';
import { EmbeddedPostgresError, EmbeddedPostgresInUseError } from '../database/postgres-user';
import { cliErrorMessage } from './run-cli';

describe('cliErrorMessage', () => {
  it('prints an embedded PostgreSQL start refusal as its one-line message (it names the fix)', () => {
    const inUse = new EmbeddedPostgresInUseError(
      'The embedded PostgreSQL in /data/postgres is still starting in another ragstore process (pid 42); try again once it is ready',
      42,
    );
    expect(cliErrorMessage(inUse)).toBe(inUse.message);
    const unreachable = new EmbeddedPostgresError("PostgreSQL runs as the 'postgres' user …: set DATA_DIR …");
    expect(cliErrorMessage(unreachable)).toBe(unreachable.message);
  });

  it('keeps one line for configuration errors and the stack for a bug', () => {
    expect(cliErrorMessage(new ConfigValidationError('Invalid configuration: X'))).toBe(
      'Invalid configuration: X',
    );
    const bug = new TypeError('x is not a function');
    expect(cliErrorMessage(bug)).toBe(bug.stack);
  });
});
