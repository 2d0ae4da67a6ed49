import { ConfigValidationError } from '../../config';
import { DatabaseUnreachableError } from '../database/connect';
import { describePostgresError } from '../database/postgres-errors';

/**
 * Runs a command-line tool's `main`: exit with its code, or print one line and exit 1. Known
 * failures (configuration, connection) print their message; anything else its stack.
 */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      const known = error instanceof ConfigValidationError || error instanceof DatabaseUnreachableError;
      const pgError = typeof (error as { code?: unknown })?.code === 'string';
      const message = known
        ? (error as Error).message
        : pgError
          ? describePostgresError(error)
          : ((error as Error)?.stack ?? String(error));
      process.stderr.write(`${message}\n`);
      process.exit(1);
    },
  );
}
