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
  private draining: Promise<void> | null = null;
  private wakeAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

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
    await this.draining;
  }

  /** Starts a drain now, or once the running one finishes. */
  wake(): void {
    if (!this.config.relayEnabled || this.stopped) return;
    if (this.draining) {
      this.wakeAgain = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      }
    });
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
   * OUTBOX_RELAY_CONCURRENCY lanes, each claiming and syncing batches until the outbox is empty:
   * while one batch waits for the vector store, the next is read from PostgreSQL and sent. Claims
   * never hand two lanes (or two replicas) the same chunk (OutboxRepository.claim), so batches
   * in flight together touch disjoint chunks and their order does not matter.
   */
  private async drain(): Promise<void> {
    await Promise.all(Array.from({ length: this.config.relayConcurrency }, () => this.lane()));
  }

  private async lane(): Promise<void> {
    try {
      while (!this.stopped) {
        const claimed = await this.outbox.claim(this.config.outboxBatchSize, this.config.outboxLeaseMs);
        if (claimed.length === 0) return;
        await this.process(claimed);
        this.events.emit('progress');
        if (claimed.length < this.config.outboxBatchSize) return;
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

  private backoff(attempts: number): number {
    return equalJitterBackoff(attempts, this.config.outboxBackoffBaseMs, this.config.outboxBackoffMaxMs);
  }
}
