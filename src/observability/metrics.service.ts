import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DatabasePool, type PoolCounts } from '../database/database-pool';
import { vectorStoreRequestDuration } from './vector-store.metrics';

/** Sub-millisecond to seconds: the floor of a hydration query is ≈ 0.4 ms, the spec's ceiling 500 ms. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Scrapes within this window share one outbox query, so many scrapers cannot hammer Postgres. */
const OUTBOX_STATS_TTL_MS = 2_000;
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The route label of requests no route matched: raw URLs would make the label set unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface OutboxGaugeSource {
  pending: number;
  failed: number;
  oldest_pending_age_seconds: number | null;
}

export type RetrievalStage = 'embed' | 'vector_search' | 'metadata' | 'total';

/**
 * The application's Prometheus registry and the small API the features record into. Each app
 * has its own registry (tests run several apps in one process); values that cost a query
 * (pool, outbox) are read when scraped, never on the request path.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly logger = new Logger(MetricsService.name);

  private readonly httpDuration = new Histogram({
    name: 'ragstore_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status code',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly retrievalStages = new Histogram({
    name: 'ragstore_retrieval_stage_duration_seconds',
    help: 'Retrieval duration per stage (embed, vector_search, metadata, total) and mode',
    labelNames: ['mode', 'stage'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly droppedHits = new Counter({
    name: 'ragstore_retrieval_dropped_hits_total',
    help: 'Vector store hits dropped at hydration because Postgres disagreed, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly lostLogRows = new Counter({
    name: 'ragstore_retrieval_log_rows_lost_total',
    help: 'Retrieval log rows never written (refused by the database, or still queued when shutdown gave up)',
    registers: [this.registry],
  });

  private readonly outboxFailures = new Counter({
    name: 'ragstore_outbox_sync_failures_total',
    help: 'Outbox rows whose vector store sync attempt failed (each is retried until its budget runs out)',
    registers: [this.registry],
  });

  private readonly drift = new Gauge({
    name: 'ragstore_consistency_drift_items',
    help: 'Items out of step between Postgres and the vector store at the last consistency check, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly lastCheck = new Gauge({
    name: 'ragstore_consistency_last_check_timestamp_seconds',
    help: 'When the last consistency check finished (Unix time)',
    registers: [this.registry],
  });

  private outboxSource: (() => Promise<OutboxGaugeSource>) | null = null;
  private outboxCache: { at: number; stats: Promise<OutboxGaugeSource | null> } | null = null;

  constructor(pool: DatabasePool) {
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(vectorStoreRequestDuration);
    this.registerPoolGauges(pool);
    this.registerOutboxGauges();
  }

  observeHttp(route: string | undefined, method: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe(
      {
        route: route ?? UNMATCHED_ROUTE,
        method: HTTP_METHODS.has(method) ? method : 'OTHER',
        status_code: String(statusCode),
      },
      seconds,
    );
  }

  /** One retrieval's stage timings, in milliseconds as the API reports them. */
  observeRetrieval(mode: string, timings: Record<RetrievalStage, number>): void {
    for (const stage of Object.keys(timings) as RetrievalStage[]) {
      this.retrievalStages.observe({ mode, stage }, timings[stage] / 1000);
    }
  }

  countDroppedHit(reason: string): void {
    this.droppedHits.inc({ reason });
  }

  countLostLogRows(rows: number): void {
    this.lostLogRows.inc(rows);
  }

  countOutboxFailures(rows: number): void {
    this.outboxFailures.inc(rows);
  }

  /** The outbox's owner says how to read its state; it is read at scrape time, cached briefly. */
  reportOutbox(source: () => Promise<OutboxGaugeSource>): void {
    this.outboxSource = source;
  }

  /** Replaces the drift gauges with the counts of the check that just finished. */
  setDrift(counts: Record<string, number>): void {
    for (const [kind, count] of Object.entries(counts)) this.drift.set({ kind }, count);
    this.lastCheck.set(Date.now() / 1000);
  }

  private registerPoolGauges(databasePool: DatabasePool): void {
    const pool = () => databasePool.counts();
    const gauge = (name: string, help: string, read: (p: PoolCounts) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const p = pool();
          if (p) this.set(read(p));
        },
      });
    gauge('ragstore_db_pool_connections', 'PostgreSQL pool: open connections', (p) => p.totalCount);
    gauge('ragstore_db_pool_idle_connections', 'PostgreSQL pool: idle connections', (p) => p.idleCount);
    gauge(
      'ragstore_db_pool_waiting_clients',
      'PostgreSQL pool: queries waiting for a connection',
      (p) => p.waitingCount,
    );
  }

  private registerOutboxGauges(): void {
    const stats = () => this.outboxStats();
    const gauge = (name: string, help: string, read: (s: OutboxGaugeSource) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          const s = await stats();
          if (s) this.set(read(s));
        },
      });
    gauge('ragstore_outbox_pending_rows', 'Outbox rows waiting to reach the vector store', (s) => s.pending);
    gauge(
      'ragstore_outbox_failed_rows',
      'Outbox rows that ran out of attempts (their chunks are failed until repaired)',
      (s) => s.failed,
    );
    gauge(
      'ragstore_outbox_oldest_pending_age_seconds',
      'Age of the oldest outbox row still waiting (0 when none is)',
      (s) => s.oldest_pending_age_seconds ?? 0,
    );
  }

  /** A failed read leaves the gauges at their last values rather than failing the whole scrape. */
  private outboxStats(): Promise<OutboxGaugeSource | null> {
    const source = this.outboxSource;
    if (!source) return Promise.resolve(null);
    if (!this.outboxCache || Date.now() - this.outboxCache.at > OUTBOX_STATS_TTL_MS) {
      this.outboxCache = {
        at: Date.now(),
        stats: source().catch((error: unknown) => {
          this.logger.warn(`Outbox metrics unavailable: ${(error as Error).message}`);
          return null;
        }),
      };
    }
    return this.outboxCache.stats;
  }
}
