import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ingestionConfig } from '../../config';
import { AuditLogsService } from '../audit-logs/audit-logs.service';
import { ChunkOutboxRepository } from '../chunks/chunk-outbox.repository';
import { NotFoundError } from '../common/errors';
import { IngestRepository } from './ingest.repository';
import { OutboxRelay } from '../sync/outbox-relay.service';

const PURGE_BATCH = 1_000;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export interface DocumentDeletion {
  document_reference: string;
  hard: boolean;
  deleted: number;
  /** The points are gone from the vector store too (within the wait). */
  synced: boolean;
}

/**
 * Whole-document deletes and the retention purge. A soft delete hides the chunks from retrieval
 * at once (retrieval hydrates from Postgres) and queues their points' removal.
 */
@Injectable()
export class DocumentsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DocumentsService.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly chunks: IngestRepository,
    private readonly chunkOutbox: ChunkOutboxRepository,
    private readonly audit: AuditLogsService,
    private readonly relay: OutboxRelay,
    @Inject(ingestionConfig.KEY) private readonly config: ConfigType<typeof ingestionConfig>,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.purgeRetentionDays === 0) return;
    this.timer = setInterval(() => {
      this.purge().catch((error: Error) => this.logger.warn(`Purge failed: ${error.message}`));
    }, PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async deleteDocument(documentReference: string, hard: boolean, waitMs: number): Promise<DocumentDeletion> {
    const ids = await this.dataSource.transaction(async (manager) => {
      await this.chunks.lockDocument(manager, documentReference);
      const deleted = hard
        ? await this.chunks.hardDeleteDocument(manager, documentReference)
        : await this.chunks.softDeleteDocument(manager, documentReference);
      if (deleted.length === 0) throw new NotFoundError('document', documentReference);
      await this.chunkOutbox.enqueue(manager, deleted, 'delete');
      await this.audit.record(manager, {
        operation_type: hard ? 'hard_delete' : 'soft_delete',
        resource_type: 'document',
        resource_id: documentReference,
        user_id: null,
        details: { chunks: deleted.length },
      });
      return deleted;
    });
    const synced = await this.relay.waitUntilSynced(ids, waitMs);
    return { document_reference: documentReference, hard, deleted: ids.length, synced };
  }

  /** Hard-deletes soft-deleted chunks past the retention, in bounded batches. */
  async purge(): Promise<number> {
    let total = 0;
    for (;;) {
      const purged = await this.dataSource.transaction(async (manager) => {
        const ids = await this.chunks.purgeSoftDeleted(manager, this.config.purgeRetentionDays, PURGE_BATCH);
        if (ids.length > 0) {
          await this.chunkOutbox.enqueue(manager, ids, 'delete');
          await this.audit.record(manager, {
            operation_type: 'hard_delete',
            resource_type: 'chunk',
            resource_id: null,
            user_id: null,
            details: {
              reason: 'retention',
              retention_days: this.config.purgeRetentionDays,
              chunks: ids.length,
            },
          });
        }
        return ids.length;
      });
      total += purged;
      if (purged < PURGE_BATCH) break;
    }
    if (total > 0) {
      this.relay.wake();
      this.logger.log(
        `Purged ${total} chunk(s) soft-deleted over ${this.config.purgeRetentionDays} day(s) ago`,
      );
    }
    return total;
  }
}
