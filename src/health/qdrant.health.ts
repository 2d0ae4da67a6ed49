import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { VectorStore } from '../vectors/vector-store';
import { PROBE_TIMEOUT_MS } from '../database/probe-connection';
import { TimeoutError, withTimeout } from './with-timeout';

/**
 * Vector store probe: up only when the store answers and the collection exists with the
 * configured size and distance; raced against the probe budget so a hung Qdrant reads `down`
 * (`timeout`) quickly. The response names no host and no key.
 */
@Injectable()
export class QdrantHealthIndicator {
  private readonly logger = new Logger(QdrantHealthIndicator.name);

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly store: VectorStore,
  ) {}

  async check(key = 'qdrant') {
    const indicator = this.health.check(key);
    try {
      const result = await withTimeout(this.store.health(), PROBE_TIMEOUT_MS);
      if (result.status === 'up') {
        // Public probe: up/down and a reason code only; the detail goes to the log.
        this.logger.debug(
          `Vector store probe: up (${this.store.kind}, ${result.collection}, ${result.points_count} points, ${result.latency_ms} ms)`,
        );
        return indicator.up();
      }
      this.logger.warn(`Vector store probe: down (${result.reason})`);
      return indicator.down({ reason: result.reason });
    } catch (error) {
      const reason = error instanceof TimeoutError ? 'timeout' : 'error';
      this.logger.warn(`Vector store probe: down (${reason}: ${(error as Error).message})`);
      return indicator.down({ reason });
    }
  }
}
