import { Injectable, Logger } from '@nestjs/common';
import { ChunkChanges } from '../chunks/chunk-changes';
import { ConsistencyService, type ConsistencyReport } from './consistency.service';
import { repairFor } from './drift';
import { OutboxRelay } from './outbox-relay.service';
import { OutboxRepository } from './outbox.repository';

export interface RepairReport {
  before: ConsistencyReport;
  enqueued: { upsert: number; delete: number };
  retried_failed: number;
  /** All repair work reached the vector store before the wait ran out. */
  drained: boolean;
}

/**
 * Fixes every drift from Postgres: the affected chunks are queued for the relay, which upserts
 * live rows from their stored embedding and removes everything else; failed syncs get a fresh
 * attempt budget. Idempotent: repairing a consistent system does nothing.
 */
@Injectable()
export class ConsistencyRepairService {
  private readonly logger = new Logger(ConsistencyRepairService.name);

  constructor(
    private readonly consistency: ConsistencyService,
    private readonly changes: ChunkChanges,
    private readonly outbox: OutboxRepository,
    private readonly relay: OutboxRelay,
  ) {}

  async repair(waitMs: number): Promise<RepairReport> {
    const upserted: string[] = [];
    const deleted: string[] = [];
    const before = await this.consistency.scan((kind, id) => {
      const action = repairFor(kind);
      if (action === 'upsert') upserted.push(id);
      else if (action === 'delete') deleted.push(id);
    });
    const retried = await this.outbox.retryFailed();
    const { changed } = await this.changes.apply(() =>
      Promise.resolve({ upserted, deleted, audit: null, result: undefined }),
    );
    const drained = await this.relay.waitUntilSynced(changed, waitMs);
    this.logger.log(
      `Repair queued ${upserted.length} upsert(s), ${deleted.length} delete(s); retried ${retried}`,
    );
    return {
      before,
      enqueued: { upsert: upserted.length, delete: deleted.length },
      retried_failed: retried,
      drained,
    };
  }
}
