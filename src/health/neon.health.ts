import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
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
  const code =
    (error as { code?: string }).code ?? (error as { driverError?: { code?: string } }).driverError?.code;
  if (code === '28P01' || code === '28000') return 'auth_failed';
  if (code === '3D000') return 'database_missing';
  if (code && /^(ECONN|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|57P0|08)/.test(code)) return 'unreachable';
  if (/terminated|timeout exceeded|connect/i.test((error as Error).message ?? '')) return 'unreachable';
  return 'error';
}
