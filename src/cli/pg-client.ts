import { Client, type ClientConfig } from 'pg';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../../config';
import { buildDataSourceOptions } from '../database/postgres-options';

/**
 * One plain `pg` connection with exactly the service's TLS policy and timeouts, for tools that
 * must see the server directly (verification, backup, restore) rather than through the ORM.
 */
export async function connectClient(
  config: DatabaseConfig,
  url: string,
  applicationName: string,
): Promise<Client> {
  const options = buildDataSourceOptions(config, url) as Extract<DataSourceOptions, { type: 'postgres' }>;
  const client = new Client({
    connectionString: options.url,
    ssl: options.ssl as ClientConfig['ssl'],
    connectionTimeoutMillis: config.connectionTimeoutMs,
    application_name: applicationName,
  });
  await client.connect();
  return client;
}
