import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the process that owns an embedded server tells the others (`DATA_DIR/postgres/owner.json`,
 * mode 0600 like the superuser password beside it): where its PostgreSQL listens and, once it
 * serves HTTP, where its admin API is. A CLI started while the service runs connects to that
 * PostgreSQL instead of refusing, and reaches the embedded vector store (which only its owner may
 * open) through the admin API. The kernel lock on `owner.lock` says whether the owner is alive;
 * this file only says where it is.
 */
export interface EmbeddedOwner {
  pid: number;
  /** The PostgreSQL port on 127.0.0.1. */
  port: number;
  /** The service's base URL (loopback), set once it listens; absent when the owner is a CLI. */
  service_url?: string;
}

const FILE = 'owner.json';

export function writeOwner(dataDir: string, owner: EmbeddedOwner): void {
  const file = join(dataDir, FILE);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(owner)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

export function readOwner(dataDir: string): EmbeddedOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as Partial<EmbeddedOwner>;
    if (!Number.isInteger(parsed.pid) || !Number.isInteger(parsed.port)) return undefined;
    return {
      pid: parsed.pid!,
      port: parsed.port!,
      ...(typeof parsed.service_url === 'string' ? { service_url: parsed.service_url } : {}),
    };
  } catch {
    return undefined;
  }
}

export function removeOwner(dataDir: string): void {
  rmSync(join(dataDir, FILE), { force: true });
}

/** The loopback URL a local client reaches a server on that listens on `host`. */
export function loopbackServiceUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`;
  if (host === '::') return `http://[::1]:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
