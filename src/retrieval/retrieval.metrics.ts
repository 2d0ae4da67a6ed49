import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../observability/metrics.service';
import type { DropReason, RetrievalMode, Timings } from './retrieval.types';

/**
 * Retrieval's Prometheus series: the per-mode latencies and dropped hits recorded through
 * MetricsService, and the query-embedding cache and retrieval-log writer counted here. Counting
 * only: no I/O, safe on the hot path.
 */
@Injectable()
export class RetrievalMetrics {
  private readonly queryCache: Counter<'result'>;
  private readonly logRowsWritten: Counter;
  private readonly logWriteFailures: Counter;

  constructor(private readonly prometheus: MetricsService) {
    const registers = [prometheus.registry];
    this.queryCache = new Counter({
      name: 'ragstore_retrieval_query_cache_total',
      help: 'Text queries answered from the query-embedding cache (hit) or sent to the provider (miss)',
      labelNames: ['result'] as const,
      registers,
    });
    this.logRowsWritten = new Counter({
      name: 'ragstore_retrieval_log_rows_written_total',
      help: 'Retrieval log rows written to PostgreSQL',
      registers,
    });
    this.logWriteFailures = new Counter({
      name: 'ragstore_retrieval_log_write_failures_total',
      help: 'Retrieval log batches PostgreSQL refused (retried, then written one row at a time)',
      registers,
    });
  }

  recordQueryCache(result: 'hit' | 'miss'): void {
    this.queryCache.inc({ result });
  }

  recordRetrieval(mode: RetrievalMode, timings: Timings, dropped: readonly { reason: DropReason }[]): void {
    this.prometheus.observeRetrieval(mode, timings);
    for (const { reason } of dropped) this.prometheus.countDroppedHit(reason);
  }

  recordLogWrite(written: number, lost: number): void {
    if (written > 0) this.logRowsWritten.inc(written);
    if (lost > 0) this.prometheus.countLostLogRows(lost);
  }

  recordLogWriteFailure(): void {
    this.logWriteFailures.inc();
  }
}
