import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemUserWhenRoot } from '../../src/database/postgres-user';
import {
  dataDirectory,
  freePort,
  postgresProcessesUsing,
  spawnService,
  waitForHttp,
  type ServiceProcess,
} from '../support/service-process';

// Run as PostgreSQL's own user: PostgreSQL takes a pid it may not signal (EPERM) for a dead one,
// so only a process of that user can look like the lock file's live owner to it.
const SERVER_USER = systemUserWhenRoot();

/** A process that must never be signalled: it reports any catchable signal on stdout. */
interface Decoy {
  child: ChildProcess;
  signals(): string;
}

function decoy(pgdata: string): Decoy {
  // Its arguments name PostgreSQL and the cluster, as a `psql -U postgres` or an exporter's might;
  // what is not ours is its binary and its working directory.
  const script = `for (const s of ['SIGINT','SIGTERM','SIGQUIT','SIGHUP']) process.on(s, () => console.log(s)); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script, 'postgres', '-D', pgdata], {
    ...SERVER_USER,
    cwd: '/',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return { child, signals: () => out };
}

/** A zombie: `sleep 0` exits under a parent (`exec sleep 30`) that never waits for it. */
async function zombie(): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], {
    ...SERVER_USER,
    cwd: '/',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const pid = await new Promise<number>((resolve) =>
    parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  for (let i = 0; i < 100 && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return { pid, parent };
}

/** The embedded server's start-up and ownership as `npm start` runs them, in a process group of its own. */
function spawnOwner(dataDir: string): ServiceProcess {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(__dirname, 'embedded-owner.fixture.ts'), dataDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** True once `pattern` shows in the output, false if the process exits or time runs out first. */
async function waitForOutput(proc: ServiceProcess, pattern: RegExp, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(proc.output())) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null || Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

function stopped(proc: ServiceProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  proc.child.kill(signal);
  return proc.exited;
}

/** A data directory whose cluster exists and was shut down cleanly (no postmaster.pid left). */
async function preparedDataDir(prefix: string): Promise<{ dataDir: string; pgdata: string; port: string }> {
  const dataDir = dataDirectory(prefix);
  const port = String(await freePort());
  const first = spawnService({ DATA_DIR: dataDir, PORT: port });
  await waitForHttp(`http://127.0.0.1:${port}/health/live`, 60_000, first);
  expect(await stopped(first)).toBe(0);
  return { dataDir, pgdata: join(dataDir, 'postgres', 'pgdata'), port };
}

/** postmaster.pid as PostgreSQL writes it; only the pid line and the data directory matter here. */
function fakePostmasterPid(pgdata: string, pid: number): void {
  writeFileSync(
    join(pgdata, 'postmaster.pid'),
    `${pid}\n${pgdata}\n${Math.floor(Date.now() / 1000)}\n5432\n\n127.0.0.1\n  5432001   1\nready   \n`,
  );
}

describe('start-up after a crash', () => {
  it('restarts at once after the whole process group (node and postmaster) is SIGKILLed, 20 times in a row', async () => {
    const dataDir = dataDirectory('ragstore-crashloop-');
    const port = String(await freePort());
    const env = { DATA_DIR: dataDir, PORT: port };
    const failures: string[] = [];
    const owner = () => spawnOwner(dataDir);
    let proc = owner();
    try {
      for (let round = 1; round <= 20; round++) {
        // Killed as soon as its PostgreSQL is up: the moment a restart used to trip over the
        // previous postmaster's lock file.
        const ready = await waitForOutput(proc, /PostgreSQL ready/, 60_000);
        if (!ready)
          failures.push(`round ${round}: ${proc.output().trim().split('\n').slice(-3).join(' | ')}`);
        // The postmaster is in the service's process group: one kill takes both, and the next start
        // begins before either is reaped (a zombie until its parent, or PID 1, collects it).
        process.kill(-proc.child.pid!, 'SIGKILL');
        proc = owner();
      }
    } catch (error) {
      process.kill(-proc.child.pid!, 'SIGKILL');
      throw error;
    }
    process.kill(-proc.child.pid!, 'SIGKILL');
    // And the service itself, right after the last kill.
    proc = spawnService(env, { detached: true });
    await waitForHttp(`http://127.0.0.1:${port}/db/status/neon`, 60_000, proc);
    expect(failures).toEqual([]);
    expect(await stopped(proc)).toBe(0);
    expect(postgresProcessesUsing(join(dataDir, 'postgres', 'pgdata'))).toEqual([]);
  }, 240_000);

  it('starts normally when owner.pid and postmaster.pid name a live unrelated process, and never signals it', async () => {
    const { dataDir, pgdata, port } = await preparedDataDir('ragstore-pidreuse-');
    const other = decoy(pgdata);
    try {
      writeFileSync(join(dataDir, 'postgres', 'owner.pid'), `${other.child.pid}\n`);
      fakePostmasterPid(pgdata, other.child.pid!);

      const proc = spawnService({ DATA_DIR: dataDir, PORT: port });
      await waitForHttp(`http://127.0.0.1:${port}/db/status/neon`, 60_000, proc);
      expect(await stopped(proc)).toBe(0);

      expect(other.child.exitCode).toBeNull();
      expect(other.child.signalCode).toBeNull();
      expect(other.signals()).toBe('');
    } finally {
      other.child.kill('SIGKILL');
    }
  }, 120_000);

  it('starts normally when owner.pid and postmaster.pid name a zombie (killed, not yet reaped)', async () => {
    const { dataDir, pgdata, port } = await preparedDataDir('ragstore-zombie-');
    const { pid, parent } = await zombie();
    try {
      expect(readFileSync(`/proc/${pid}/stat`, 'utf8')).toContain(') Z ');
      writeFileSync(join(dataDir, 'postgres', 'owner.pid'), `${pid}\n`);
      fakePostmasterPid(pgdata, pid);

      const proc = spawnService({ DATA_DIR: dataDir, PORT: port });
      await waitForHttp(`http://127.0.0.1:${port}/db/status/neon`, 60_000, proc);
      expect(await stopped(proc)).toBe(0);
    } finally {
      parent.kill('SIGKILL');
    }
  }, 120_000);

  it('refuses to start beside a live owner, whatever owner.pid says', async () => {
    const dataDir = dataDirectory('ragstore-owned-');
    const port = String(await freePort());
    const owner = spawnService({ DATA_DIR: dataDir, PORT: port });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health/live`, 60_000, owner);
      // A wiped or rewritten pid file does not hand the directory over: the lock does not move.
      writeFileSync(join(dataDir, 'postgres', 'owner.pid'), '');
      const intruder = spawnService({ DATA_DIR: dataDir, PORT: String(await freePort()) });
      expect(await intruder.exited).toBe(1);
      const lines = intruder.output().trim().split('\n');
      expect(lines.at(-1)).toMatch(/is in use by another ragstore process; stop it first/);
      expect(intruder.output()).not.toMatch(/\n\s+at /);
      expect((await fetch(`http://127.0.0.1:${port}/db/status/neon`)).status).toBe(200);
    } finally {
      expect(await stopped(owner)).toBe(0);
    }
  }, 120_000);
});
