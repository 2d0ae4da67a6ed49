import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool, type PoolConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { clientWithStatementTimeout } from './statement-timeout';

export const PROBE_TIMEOUT_MS = 1_500;
/** A probe connection idle this long is closed (a server or proxy would drop it anyway). */
const PROBE_IDLE_MS = 60_000;

/**
 * The probes' own PostgreSQL connection, outside the application pool: when user queries hold
 * every pooled connection, a probe sharing the pool would queue behind them and report the
 * database down — taking a busy but healthy replica out of rotation. One connection per replica,
 * same URL and TLS as the pool, every statement bounded by the probe budget on both ends.
 */
@Injectable()
export class ProbeConnection implements OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly migrationsTable: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    const options = dataSource.options as {
      url?: string;
      ssl?: PoolConfig['ssl'];
      migrationsTableName?: string;
    };
    // An identifier from our own configuration, never from a request.
    this.migrationsTable = options.migrationsTableName ?? 'migrations';
    this.pool = new Pool({
      connectionString: options.url,
      ssl: options.ssl,
      max: 1,
      connectionTimeoutMillis: PROBE_TIMEOUT_MS,
      idleTimeoutMillis: PROBE_IDLE_MS,
      // Bounded on both ends with no startup parameter a pooler would refuse: the statement is
      // cancelled on the server at the budget, and the wait ends then even if the cancel is lost.
      Client: clientWithStatementTimeout(PROBE_TIMEOUT_MS),
      query_timeout: PROBE_TIMEOUT_MS,
      application_name: 'ragstore-probe',
      allowExitOnIdle: true,
    });
    // An idle connection the server drops must not crash the process; the next probe reconnects.
    this.pool.on('error', () => undefined);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /** Whether a migration this code ships is not yet recorded as applied. */
  async migrationsPending(): Promise<boolean> {
    const { rows } = await this.pool.query<{ name: string }>(`SELECT name FROM ${this.migrationsTable}`);
    const applied = new Set(rows.map((row) => row.name));
    return this.dataSource.migrations.some((m) => !applied.has(m.name ?? m.constructor.name));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
