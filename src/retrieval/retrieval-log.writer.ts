import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AsyncResource } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { retrievalConfig } from '../../config';
import { ChunkChanges } from '../chunks/chunk-changes';
import { LogsRepository, type NewLogRow } from '../logs/logs.repository';
import { RetrievalMetrics } from './retrieval.metrics';
import type { DroppedCandidate } from './retrieval.types';
import { classifyPostgresError, isPermanentPostgresError, sqlState } from '../database/postgres-errors';

/** One retrieval's log row, and the vector-store repairs its hydration found necessary. */
export interface RetrievalTrace {
  row: NewLogRow & { log_id: string };
  repairs: readonly DroppedCandidate[];
}

/** A trace waiting in the queue, with its row as the JSON the INSERT takes, and its weight. */
interface QueuedTrace {
  trace: RetrievalTrace;
  json: string;
  bytes: number;
}

const MAX_RETRY_DELAY_MS = 5_000;
/** How long shutdown keeps retrying an unreachable database before giving the rows up. */
const SHUTDOWN_DRAIN_MS = 10_000;

/**
 * Writes retrieval log rows off the hot path: a bounded in-process queue, flushed when a batch
 * is full or `RETRIEVAL_LOG_FLUSH_MS` after its first row, one transaction per batch (one
 * INSERT into logs of the rows' JSON, serialised once at enqueue, plus the vector_outbox repair
 * hints). A full queue makes callers wait for space (back-pressure) instead of dropping rows; a
 * database outage is retried with backoff; shutdown drains the queue after the HTTP server has
 * stopped taking requests.
 */
@Injectable()
export class RetrievalLogWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(RetrievalLogWriter.name);
  private readonly queue: QueuedTrace[] = [];
  private queuedBytes = 0;
  private readonly waitingForSpace: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private drainDeadline: number | null = null;
  /**
   * Created at start-up, outside any request: flushes run in it, so their statements belong to
   * no request's async context (and are not counted on any request's hot path).
   */
  private readonly background = new AsyncResource(RetrievalLogWriter.name);

  constructor(
    private readonly changes: ChunkChanges,
    private readonly logs: LogsRepository,
    private readonly metrics: RetrievalMetrics,
    @Inject(retrievalConfig.KEY) private readonly config: ConfigType<typeof retrievalConfig>,
  ) {}

  /**
   * Resolves once the trace is queued, which is immediate unless the queue is full: by rows
   * (RETRIEVAL_LOG_QUEUE_SIZE) or by bytes (RETRIEVAL_LOG_QUEUE_BYTES, the JSON size of the rows
   * — the memory bound). A single row larger than the byte bound still goes in when the queue is
   * empty, so no request waits forever.
   */
  async enqueue(trace: RetrievalTrace): Promise<void> {
    const queued = queuedTrace(trace);
    const { bytes } = queued;
    while (
      this.queue.length >= this.config.logQueueSize ||
      (this.queue.length > 0 && this.queuedBytes + bytes > this.config.logQueueBytes)
    ) {
      this.startFlush();
      await new Promise<void>((resolve) => this.waitingForSpace.push(resolve));
    }
    this.queue.push(queued);
    this.queuedBytes += bytes;
    if (this.queue.length >= this.config.logBatchSize) this.startFlush();
    else if (!this.timer && !this.flushing) {
      this.timer = this.background.runInAsyncScope(() =>
        setTimeout(() => this.startFlush(), this.config.logFlushMs),
      );
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  /** The JSON size of the rows waiting, bounded by RETRIEVAL_LOG_QUEUE_BYTES. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  async onApplicationShutdown(): Promise<void> {
    this.drainDeadline = Date.now() + SHUTDOWN_DRAIN_MS;
    this.startFlush();
    while (this.flushing) await this.flushing;
  }

  private startFlush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = this.background
      .runInAsyncScope(() => this.flushAll())
      .finally(() => {
        this.flushing = null;
        // Rows queued while the last batch was being written.
        if (this.queue.length > 0) this.startFlush();
      });
  }

  private async flushAll(): Promise<void> {
    for (let failures = 0; this.queue.length > 0;) {
      const batch = this.queue.slice(0, this.config.logBatchSize);
      try {
        await this.write(batch);
        this.metrics.recordLogWrite(batch.length, 0);
        failures = 0;
      } catch (error) {
        if (isPermanentPostgresError(error)) {
          await this.writeOneByOne(batch);
        } else {
          failures += 1;
          this.metrics.recordLogWriteFailure();
          if (this.drainDeadline !== null && Date.now() > this.drainDeadline) {
            this.logger.error(
              `Shutting down with the database unreachable: ${this.queue.length} retrieval log row(s) lost`,
            );
            this.metrics.recordLogWrite(0, this.queue.length);
            this.take(this.queue.length);
            return;
          }
          const delay = Math.min(MAX_RETRY_DELAY_MS, this.config.logFlushMs * 2 ** failures);
          this.logger.warn(
            `Writing ${batch.length} retrieval log row(s) failed (${describe(error)}); retrying in ${delay} ms`,
          );
          await sleep(delay);
          continue;
        }
      }
      this.take(batch.length);
    }
  }

  /** A batch the database refuses: find the offending rows, keep the others. */
  private async writeOneByOne(batch: readonly QueuedTrace[]): Promise<void> {
    for (const queued of batch) {
      const { trace } = queued;
      try {
        await this.write([queued]);
        this.metrics.recordLogWrite(1, 0);
      } catch (error) {
        if (classifyPostgresError(error) === 'foreign_key' && trace.row.user_id) {
          // The caller named a user that does not exist: keep the trace, without the link.
          this.logger.warn(`Retrieval log ${trace.row.log_id}: user ${trace.row.user_id} does not exist`);
          await this.writeOneByOne([queuedTrace({ ...trace, row: { ...trace.row, user_id: null } })]);
        } else {
          this.logger.error(`Retrieval log ${trace.row.log_id} was refused (${describe(error)}) and is lost`);
          this.metrics.recordLogWrite(0, 1);
        }
      }
    }
  }

  private write(batch: readonly QueuedTrace[]): Promise<void> {
    const repairs = (reason: DroppedCandidate['reason']) => [
      ...new Set(
        batch.flatMap(({ trace }) => trace.repairs.filter((r) => r.reason === reason).map((r) => r.chunk_id)),
      ),
    ];
    // The repair hints are only hints: the relay syncs each chunk to whatever state Postgres
    // holds when it runs.
    return this.changes
      .apply(async (tx) => {
        await this.logs.insertSerialized(
          tx,
          batch.map(({ json }) => json),
        );
        return {
          deleted: repairs('not_live'),
          upserted: repairs('filter_mismatch'),
          audit: null,
          result: undefined,
        };
      })
      .then(() => undefined);
  }

  private take(count: number): void {
    for (const { bytes } of this.queue.splice(0, count)) this.queuedBytes -= bytes;
    // Every waiter checks again: freed bytes may fit more (or fewer) rows than were taken.
    for (const resolve of this.waitingForSpace.splice(0)) resolve();
  }
}

/** A trace as queued; its weight is its row's JSON size (strings dominate), plus the repair hints. */
function queuedTrace(trace: RetrievalTrace): QueuedTrace {
  const json = JSON.stringify(trace.row);
  return { trace, json, bytes: Buffer.byteLength(json) + trace.repairs.length * 64 };
}

function describe(error: unknown): string {
  return sqlState(error) ?? (error as Error)?.message ?? String(error);
}
