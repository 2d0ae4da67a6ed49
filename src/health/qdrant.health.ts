import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { VectorStore } from '../vectors/vector-store';
import { PROBE_TIMEOUT_MS } from './neon.health';
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
        const { collection, points_count, latency_ms } = result;
        return indicator.up({ backend: this.store.kind, collection, points_count, latency_ms });
      }
      this.logger.warn(`Vector store probe: down (${result.reason})`);
      return indicator.down({ backend: this.store.kind, reason: result.reason });
    } catch (error) {
      const reason = error instanceof TimeoutError ? 'timeout' : 'error';
      this.logger.warn(`Vector store probe: down (${reason}: ${(error as Error).message})`);
      return indicator.down({ backend: this.store.kind, reason });
    }
  }
}
