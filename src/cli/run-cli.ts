import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigValidationError } from '../../config';
import { DatabaseUnreachableError } from '../database/connect';
import { describePostgresError } from '../database/postgres-errors';
import { EmbeddedPostgresError } from '../database/postgres-user';

/**
 * The line a CLI prints for a failure. Expected failures — configuration, connection, the embedded
 * PostgreSQL refusing to start (another process still starting it in DATA_DIR, a directory its
 * user cannot enter: the message names the fix), PostgreSQL errors, a file that cannot be read, and the
 * plain `Error`s our tools throw for a refused operation — are one line; anything else (a bug:
 * TypeError, …) keeps its stack.
 */
export function cliErrorMessage(error: unknown): string {
  if (
    error instanceof ConfigValidationError ||
    error instanceof DatabaseUnreachableError ||
    error instanceof EmbeddedPostgresError
  )
    return error.message;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    // Node's system errors (ENOENT, EACCES, …) already say what and where on one line.
    if ('syscall' in (error as object)) return (error as Error).message;
    if (code.startsWith('ERR_')) return (error as Error).message;
    if (/^[0-9A-Z]{5}$/.test(code)) return describePostgresError(error);
  }
  if (error instanceof Error && error.constructor === Error) return error.message;
  return (error as Error)?.stack ?? String(error);
}

/**
 * Runs a command-line tool's `main`: exit with its code, or print one line and exit 1.
 */
export function runCli(main: () => Promise<number>): void {
  logToStderr();
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${cliErrorMessage(error)}\n`);
      process.exit(1);
    },
  );
}

/**
 * `util.parseArgs` in strict mode for a CLI: an unknown flag or a missing value prints one line and
 * the usage, and exits 2, before anything is started.
 */
export function parseCliArgs<T extends ParseArgsConfig['options']>(
  usage: string,
  options: T,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ options: T; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ options, allowPositionals, strict: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
}

/** Nest's console logger, on stderr: a CLI's stdout carries only its output (`--json` stays parseable). */
class StderrConsoleLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}

/**
 * Lines logged before the application's pino logger exists (the embedded PostgreSQL starting, a
 * migration) go to stderr too.
 */
export function logToStderr(): void {
  Logger.overrideLogger(new StderrConsoleLogger());
}
