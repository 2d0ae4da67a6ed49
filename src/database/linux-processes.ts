import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * What /proc says about a process. `kill(pid, 0)` is not enough to decide whether a process is
 * alive: it succeeds for a zombie (dead, not yet reaped by its parent or PID 1), and for any
 * unrelated process that has since been given the same pid.
 */
export type ProcessState = 'running' | 'zombie' | 'gone';

export function processState(pid: number): ProcessState {
  const stat = safeRead(`/proc/${pid}/stat`);
  if (stat === undefined) return 'gone';
  // `pid (comm) S …`: comm may itself hold spaces and parentheses, so the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X' ? 'zombie' : 'running';
}

export function isRunning(pid: number): boolean {
  return processState(pid) === 'running';
}

/** The process's arguments, or undefined when it is gone or not ours to read. */
export function processArgs(pid: number): string[] | undefined {
  const raw = safeRead(`/proc/${pid}/cmdline`);
  if (raw === undefined || raw === '') return undefined;
  return raw.replace(/\0$/, '').split('\0');
}

/** The process's working directory, or undefined when it is gone, a zombie, or not ours to read. */
export function processCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * Live processes whose working directory is `dir`. PostgreSQL's postmaster and every backend
 * change into their data directory, so for a `pgdata` these are exactly that cluster's processes,
 * whatever their pids were or became.
 */
export function processesInDirectory(dir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => pid !== process.pid && processCwd(pid) === dir && isRunning(pid));
}

export function procAvailable(): boolean {
  return safeRead('/proc/self/stat') !== undefined;
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
