import { join } from 'node:path';
import { loadAppConfig, loadDatabaseConfig } from '../../config';
import { EmbeddedPostgresServer } from './embedded-postgres.server';

export interface DatabaseServer {
  url: string;
  /** Set when no URL is configured and this process started the embedded server. */
  embedded?: EmbeddedPostgresServer;
}

/** The configured PostgreSQL, or the embedded one under DATA_DIR (started here) when none is. */
export async function resolveDatabaseServer(): Promise<DatabaseServer> {
  const { url } = loadDatabaseConfig();
  if (url) return { url };
  const embedded = await EmbeddedPostgresServer.start(join(loadAppConfig().dataDir, 'postgres'));
  return { url: embedded.url, embedded };
}
