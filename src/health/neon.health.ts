import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { classifyPostgresError, sqlState } from '../database/postgres-errors';
import { PROBE_TIMEOUT_MS, ProbeConnection } from '../database/probe-connection';
import { withTimeout, TimeoutError } from './with-timeout';

/**
 * PostgreSQL (Neon) probe: `SELECT 1` on the probes' own connection (never queued behind user
 * queries), raced against a timeout so a hung database answers `down` within the probe budget.
 * The response says only up/down and a reason code (it is public).
 */
@Injectable()
export class NeonHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly connection: ProbeConnection,
  ) {}

  async ping(key = 'neon') {
    const indicator = this.health.check(key);
    try {
      await withTimeout(this.connection.ping(), PROBE_TIMEOUT_MS);
      return indicator.up();
    } catch (error) {
      return indicator.down({ reason: postgresReason(error) });
    }
  }

  /** Ready only when no migration is pending: the code and the schema agree. */
  async migrations(key = 'migrations') {
    const indicator = this.health.check(key);
    try {
      const pending = await withTimeout(this.connection.migrationsPending(), PROBE_TIMEOUT_MS);
      return pending ? indicator.down({ reason: 'migrations_pending' }) : indicator.up();
    } catch (error) {
      return indicator.down({ reason: postgresReason(error) });
    }
  }
}

function postgresReason(error: unknown): string {
  if (error instanceof TimeoutError) return 'timeout';
  // The reason codes are public: which rule refused, never the server's text.
  const state = sqlState(error);
  if (state === '28P01' || state === '28000') return 'auth_failed';
  if (state === '3D000') return 'database_missing';
  return classifyPostgresError(error) === 'unavailable' ? 'unreachable' : 'error';
}
