import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface CliRun {
  code: number | null;
  /** stdout and stderr interleaved as they came. */
  output: string;
  stdout: string;
  stderr: string;
}

/** Runs `src/cli/<script>.ts` as `npm run` would, with only `env` configured: output and exit code. */
export function runCliScript(script: string, args: string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(ROOT, 'src', 'cli', `${script}.ts`), ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
    stderr += d.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output, stdout, stderr })));
}
