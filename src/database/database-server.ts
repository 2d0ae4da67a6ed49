import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { loadAppConfig, loadDatabaseConfig } from '../../config';
import type { EmbeddedOwner } from './embedded-owner';
import { EmbeddedPostgresServer } from './embedded-postgres.server';
import { EmbeddedPostgresInUseError } from './postgres-user';

export interface DatabaseServer {
  url: string;
  /** Set when no URL is configured and this process started the embedded server. */
  embedded?: EmbeddedPostgresServer;
  /**
   * Set when no URL is configured and another live process (the service, or a CLI) owns the
   * embedded server: this process only connects to it, and must not open the embedded vector
   * store, which that process holds.
   */
  owner?: EmbeddedOwner;
}

/**
 * The configured PostgreSQL, or the embedded one under DATA_DIR: started here, or — with `share`
 * (the CLIs) — the one a running service already owns there.
 */
export async function resolveDatabaseServer(options: { share?: boolean } = {}): Promise<DatabaseServer> {
  const { url } = loadDatabaseConfig();
  if (url) return { url };
  const dataDir = join(loadAppConfig().dataDir, 'postgres');
  for (;;) {
    try {
      const embedded = await EmbeddedPostgresServer.start(dataDir);
      return { url: embedded.url, embedded };
    } catch (error) {
      if (!options.share || !(error instanceof EmbeddedPostgresInUseError)) throw error;
      const running = await EmbeddedPostgresServer.running(dataDir, error.heldBy);
      // Its owner stopped meanwhile: start our own.
      if (!running) continue;
      new Logger('EmbeddedPostgres').log(
        `Using the embedded PostgreSQL of the running ${running.owner.service_url ? 'service' : 'ragstore process'} ` +
          `(pid ${running.owner.pid}) on 127.0.0.1:${running.owner.port}`,
      );
      return { url: running.url, owner: running.owner };
    }
  }
}
