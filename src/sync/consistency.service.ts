import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ConfigType } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { syncConfig } from '../../config';
import { ChunkOutboxRepository } from '../chunks/chunk-outbox.repository';
import { MetricsService } from '../observability/metrics.service';
import { VectorStore, type ChunkPayload } from '../vectors/vector-store';
import { ConsistencyRepository, type ChunkForCheck } from './consistency.repository';
import { OutboxRelay } from './outbox-relay.service';
import { OutboxRepository } from './outbox.repository';

export const DRIFT_KINDS = [
  'missing_in_vector_store',
  'orphaned_in_vector_store',
  'stale_payload',
  'deleted_but_present',
  'stuck_pending',
  'failed',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

const SAMPLE_SIZE = 20;
const PAGE_SIZE = 500;

export interface DriftEntry {
  count: number;
  sample_ids: string[];
}

export interface ConsistencyReport {
  checked_at: string;
  duration_ms: number;
  postgres: { live: number; deleted: number };
  vector_store: { points: number };
  consistent: boolean;
  drift: Record<DriftKind, DriftEntry>;
}

export interface RepairReport {
  before: ConsistencyReport;
  enqueued: { upsert: number; delete: number };
  retried_failed: number;
  /** All repair work reached the vector store before the wait ran out. */
  drained: boolean;
}

/**
 * Compares Postgres (the system of record) with the vector store in two streaming passes, each
 * bounded in memory by the page size: rows → points (missing, stale, deleted but present,
 * stuck, failed), then points → rows (orphans). Neither pass relies on the two sides sorting
 * ids the same way.
 */
@Injectable()
export class ConsistencyService {
  private readonly logger = new Logger(ConsistencyService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rows: ConsistencyRepository,
    private readonly vectorStore: VectorStore,
    private readonly chunkOutbox: ChunkOutboxRepository,
    private readonly outbox: OutboxRepository,
    private readonly relay: OutboxRelay,
    @Inject(syncConfig.KEY) private readonly config: ConfigType<typeof syncConfig>,
    private readonly metrics: MetricsService,
  ) {}

  async check(): Promise<ConsistencyReport> {
    return this.scan(() => undefined);
  }

  /**
   * Fixes every drift from Postgres: the affected chunks are queued for the relay, which
   * upserts live rows from their stored embedding and removes everything else; failed syncs get
   * a fresh attempt budget. Idempotent: repairing a consistent system does nothing.
   */
  async repair(waitMs: number): Promise<RepairReport> {
    const toUpsert: string[] = [];
    const toDelete: string[] = [];
    const report = await this.scan((kind, id) => {
      if (kind === 'orphaned_in_vector_store' || kind === 'deleted_but_present') toDelete.push(id);
      else if (kind !== 'failed') toUpsert.push(id);
    });
    const retried = await this.outbox.retryFailed();
    await this.dataSource.transaction(async (manager) => {
      await this.chunkOutbox.enqueue(manager, toUpsert, 'upsert');
      await this.chunkOutbox.enqueue(manager, toDelete, 'delete');
    });
    const drained = await this.relay.waitUntilSynced([...toUpsert, ...toDelete], waitMs);
    this.logger.log(
      `Repair queued ${toUpsert.length} upsert(s), ${toDelete.length} delete(s); retried ${retried}`,
    );
    return {
      before: report,
      enqueued: { upsert: toUpsert.length, delete: toDelete.length },
      retried_failed: retried,
      drained,
    };
  }

  private async scan(onDrift: (kind: DriftKind, chunkId: string) => void): Promise<ConsistencyReport> {
    const started = Date.now();
    const drift = Object.fromEntries(
      DRIFT_KINDS.map((kind): [DriftKind, DriftEntry] => [kind, { count: 0, sample_ids: [] }]),
    ) as Record<DriftKind, DriftEntry>;
    const note = (kind: DriftKind, id: string) => {
      drift[kind].count++;
      if (drift[kind].sample_ids.length < SAMPLE_SIZE) drift[kind].sample_ids.push(id);
      onDrift(kind, id);
    };
    const postgres = { live: 0, deleted: 0 };

    for (let after: string | null = null; ;) {
      const page: ChunkForCheck[] = await this.rows.page(after, PAGE_SIZE);
      if (page.length === 0) break;
      after = page[page.length - 1].chunk_id;
      const points = new Map(
        (await this.vectorStore.retrieve(page.map((r) => r.chunk_id))).map((p) => [p.id, p.payload]),
      );
      for (const row of page) {
        const payload = points.get(row.chunk_id);
        if (row.deleted) {
          postgres.deleted++;
          if (payload) note('deleted_but_present', row.chunk_id);
          continue;
        }
        postgres.live++;
        if (row.sync_status === 'failed') note('failed', row.chunk_id);
        else if (row.sync_status === 'pending') {
          // Pending with nothing queued can never sync; queued work is stuck once it is old.
          if (!row.queued || row.pending_for_ms > this.config.stuckAfterMs)
            note('stuck_pending', row.chunk_id);
        } else if (!payload) note('missing_in_vector_store', row.chunk_id);
        else if (!payloadMatches(row, payload)) note('stale_payload', row.chunk_id);
      }
    }

    let points = 0;
    for (let offset: string | null | undefined = undefined; offset !== null;) {
      const page = await this.vectorStore.scrollIds({ limit: PAGE_SIZE, offset });
      points += page.ids.length;
      const known = await this.rows.existing(page.ids);
      for (const id of page.ids) if (!known.has(id)) note('orphaned_in_vector_store', id);
      offset = page.next_offset;
    }

    this.metrics.setDrift(Object.fromEntries(DRIFT_KINDS.map((kind) => [kind, drift[kind].count])));
    return {
      checked_at: new Date(started).toISOString(),
      duration_ms: Date.now() - started,
      postgres,
      vector_store: { points },
      consistent: DRIFT_KINDS.every((k) => drift[k].count === 0),
      drift,
    };
  }
}

function payloadMatches(row: ChunkForCheck, payload: ChunkPayload): boolean {
  return (
    payload.chunk_id === row.chunk_id &&
    payload.text_content === row.chunk_text &&
    payload.document_reference === row.document_reference &&
    payload.embedding_model === row.embedding_model &&
    payload.metadata?.page_reference === row.page_reference &&
    payload.metadata?.section_title === row.section_title &&
    payload.metadata?.processing_version === row.processing_version &&
    payload.metadata?.chunk_index === row.chunk_index
  );
}
