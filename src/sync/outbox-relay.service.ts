import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { EventEmitter, once } from 'node:events';
import { syncConfig } from '../../config';
import { MetricsService } from '../observability/metrics.service';
import { VectorStore } from '../vectors/vector-store';
import { toPoint } from './chunk-point';
import { OutboxRepository, type ClaimedOutboxRow } from './outbox.repository';
import { equalJitterBackoff } from './relay-backoff';

/** Chunks a drain must have synced before the relay checks the table's statistics. */
const STATISTICS_MIN_ROWS = 500;
/** How long the outbox must stay quiet after a drain before that check. */
const STATISTICS_QUIET_MS = 1_000;

/**
 * Pushes `vector_outbox` to the vector store. Postgres decides the target state: a claimed
 * chunk that is live is upserted from its stored row, one that is deleted or gone is removed —
 * so the outbox operation is only a hint, replays are harmless, and order cannot corrupt state.
 * Woken at once after each commit; also polls, which picks up work a crash or a peer left.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly events = new EventEmitter();
  /** Lanes running now, each claiming and syncing batches until the outbox is empty. */
  private readonly lanes = new Set<Promise<void>>();
  /** Counts wake-ups: a lane that finds nothing re-claims if one came after its claim began. */
  private wakes = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Chunks synced since the table's statistics were last checked, when the last were, and the pending check. */
  private syncedSinceStatistics = 0;
  private lastSyncedAt = 0;
  private statisticsTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly vectorStore: VectorStore,
    @Inject(syncConfig.KEY) private readonly config: ConfigType<typeof syncConfig>,
    private readonly metrics: MetricsService,
  ) {
    this.events.setMaxListeners(0);
  }

  onApplicationBootstrap(): void {
    this.metrics.reportOutbox(() => this.outbox.stats());
    if (!this.config.relayEnabled) return;
    this.timer = setInterval(() => this.wake(), this.config.outboxPollMs);
    this.timer.unref();
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.statisticsTimer);
    await Promise.all(this.lanes);
  }

  /**
   * Work may be due: starts lanes up to OUTBOX_RELAY_CONCURRENCY. Lanes already running see the
   * wake-up too (a lane whose claim found nothing claims again if a wake-up came meanwhile), so
   * none is lost, and a lane held by a slow batch never keeps the others from starting.
   */
  wake(): void {
    if (!this.config.relayEnabled || this.stopped) return;
    this.wakes++;
    while (this.lanes.size < this.config.relayConcurrency) {
      const lane: Promise<void> = this.lane().finally(() => this.lanes.delete(lane));
      this.lanes.add(lane);
    }
  }

  /**
   * Wakes the relay for work just committed and waits until the vector store reflects every chunk
   * in `chunkIds` (upserted or removed), for at most `waitMs`; true when it does. Re-checks
   * Postgres after each relay batch, so it also sees work finished by another replica.
   */
  async waitUntilSynced(chunkIds: readonly string[], waitMs: number): Promise<boolean> {
    if (chunkIds.length === 0) return true;
    this.wake();
    const deadline = Date.now() + waitMs;
    for (;;) {
      if ((await this.outbox.countUnsynced(chunkIds)) === 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.progress(Math.min(left, 250));
    }
  }

  /** The ids among `chunkIds` whose live row is not synced yet. */
  unsyncedAmong(chunkIds: readonly string[]): Promise<string[]> {
    return this.outbox.unsyncedIds(chunkIds);
  }

  /** Resolves after the next batch completes or fails (or after `ms`): waiters re-check then. */
  private async progress(ms: number): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    try {
      await once(this.events, 'progress', { signal: controller.signal });
    } catch {
      // timed out: the caller re-checks anyway
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One lane: claims and syncs batches until the outbox has nothing due. Lanes in flight together
   * (in this replica or others) touch disjoint chunks: a claim never hands out a chunk already in
   * a batch in flight (OutboxRepository.claim), so their order does not matter.
   */
  private async lane(): Promise<void> {
    try {
      while (!this.stopped) {
        const wakes = this.wakes;
        const claimed = await this.outbox.claim(this.config.outboxBatchSize, this.config.outboxLeaseMs);
        if (claimed.length > 0) {
          await this.process(claimed);
          this.events.emit('progress');
        }
        if (claimed.length < this.config.outboxBatchSize && this.wakes === wakes) return;
      }
    } catch (error) {
      // Postgres itself failing: leave the rows to their leases and the next poll.
      this.logger.warn(`Outbox drain interrupted: ${(error as Error).message}`);
    }
  }

  /**
   * Leases are short so that a dead claimer's rows are retried within seconds; while a batch is
   * in flight its lease is renewed (every third of it), so a slow vector store does not hand the
   * same rows to a second claimer.
   */
  private async process(claimed: ClaimedOutboxRow[]): Promise<void> {
    const ids = claimed.map((row) => row.id);
    const heartbeat = setInterval(() => {
      this.outbox.renewLease(ids, this.config.outboxLeaseMs).catch((error: Error) => {
        this.logger.warn(`Outbox lease renewal failed: ${error.message}`);
      });
    }, this.config.outboxLeaseMs / 3);
    heartbeat.unref();
    try {
      await this.sync(claimed);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async sync(claimed: ClaimedOutboxRow[]): Promise<void> {
    const started = performance.now();
    const chunkIds = [...new Set(claimed.map((row) => row.chunk_id))];
    const live = await this.outbox.loadLive(chunkIds);
    const liveIds = new Set(live.map((c) => c.chunk_id));
    const gone = chunkIds.filter((id) => !liveIds.has(id));
    try {
      if (live.length > 0) await this.vectorStore.upsert(live.map(toPoint));
      this.syncedSinceStatistics += live.length;
      this.lastSyncedAt = performance.now();
      this.scheduleStatisticsCheck(STATISTICS_QUIET_MS);
      if (gone.length > 0) await this.vectorStore.deleteByIds(gone);
      await this.outbox.complete(
        claimed.map((row) => row.id),
        live,
      );
      this.logger.debug(
        `Synced ${live.length} upsert(s), ${gone.length} delete(s) in ${Math.round(performance.now() - started)} ms`,
      );
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.logger.warn(`Vector sync of ${chunkIds.length} chunk(s) failed, will retry: ${message}`);
      this.metrics.countOutboxFailures(claimed.length);
      await this.outbox.fail(
        claimed,
        message,
        (attempts) => this.backoff(attempts),
        this.config.outboxMaxAttempts,
      );
    }
  }

  /**
   * Once a load has been synced and no chunk was synced for STATISTICS_QUIET_MS, refreshes the
   * planner's statistics of `chunks` if the load changed enough of it (analyzeChunksIfStale): a
   * bulk load then gets its ANALYZE a second after it ends, not at autovacuum's next round, and a
   * load in many batches gets one, not one per batch.
   */
  private scheduleStatisticsCheck(inMs: number): void {
    if (this.statisticsTimer || this.stopped || this.syncedSinceStatistics < STATISTICS_MIN_ROWS) return;
    this.statisticsTimer = setTimeout(() => {
      this.statisticsTimer = undefined;
      const quietFor = performance.now() - this.lastSyncedAt;
      if (quietFor < STATISTICS_QUIET_MS) return this.scheduleStatisticsCheck(STATISTICS_QUIET_MS - quietFor);
      this.syncedSinceStatistics = 0;
      this.outbox
        .analyzeChunksIfStale()
        .then((ran) => ran && this.logger.log('Refreshed the statistics of chunks after a load'))
        .catch((error: Error) => this.logger.warn(`ANALYZE chunks failed: ${error.message}`));
    }, inMs);
    this.statisticsTimer.unref();
  }

  private backoff(attempts: number): number {
    return equalJitterBackoff(attempts, this.config.outboxBackoffBaseMs, this.config.outboxBackoffMaxMs);
  }
}
