import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../observability/metrics.service';
import type { DropReason, RetrievalMode, Timings } from './retrieval.types';

interface StageTotals {
  count: number;
  sum_ms: number;
}

/**
 * In-process counters for retrieval, read by the metrics endpoint (the observability issue turns
 * them into Prometheus counters and histograms). Counting only: no I/O, safe on the hot path.
 */
@Injectable()
export class RetrievalMetrics {
  private readonly retrievals: Record<RetrievalMode, number> = { vector: 0, hybrid: 0, selected_text: 0 };
  private readonly dropped: Record<DropReason, number> = { not_live: 0, filter_mismatch: 0 };
  private readonly stages: Record<keyof Timings, StageTotals> = {
    embed: { count: 0, sum_ms: 0 },
    vector_search: { count: 0, sum_ms: 0 },
    metadata: { count: 0, sum_ms: 0 },
    total: { count: 0, sum_ms: 0 },
  };
  private logRowsWritten = 0;
  private logRowsLost = 0;
  private logWriteFailures = 0;
  private readonly queryCache: Counter<'result'>;

  constructor(private readonly prometheus: MetricsService) {
    this.queryCache = new Counter({
      name: 'ragstore_retrieval_query_cache_total',
      help: 'Text queries answered from the query-embedding cache (hit) or sent to the provider (miss)',
      labelNames: ['result'] as const,
      registers: [prometheus.registry],
    });
  }

  recordQueryCache(result: 'hit' | 'miss'): void {
    this.queryCache.inc({ result });
  }

  recordRetrieval(mode: RetrievalMode, timings: Timings, dropped: readonly { reason: DropReason }[]): void {
    this.retrievals[mode] += 1;
    this.prometheus.observeRetrieval(mode, timings);
    for (const { reason } of dropped) {
      this.dropped[reason] += 1;
      this.prometheus.countDroppedHit(reason);
    }
    for (const stage of Object.keys(this.stages) as (keyof Timings)[]) {
      this.stages[stage].count += 1;
      this.stages[stage].sum_ms += timings[stage];
    }
  }

  recordLogWrite(written: number, lost: number): void {
    this.logRowsWritten += written;
    this.logRowsLost += lost;
    if (lost > 0) this.prometheus.countLostLogRows(lost);
  }

  recordLogWriteFailure(): void {
    this.logWriteFailures += 1;
  }

  snapshot() {
    return {
      retrievals_total: { ...this.retrievals },
      dropped_candidates_total: { ...this.dropped },
      stage_ms: structuredClone(this.stages),
      log_rows_written_total: this.logRowsWritten,
      log_rows_lost_total: this.logRowsLost,
      log_write_failures_total: this.logWriteFailures,
    };
  }
}
