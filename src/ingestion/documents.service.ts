import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ingestionConfig } from '../../config';
import { ChunkChanges } from '../chunks/chunk-changes';
import { DocumentChunksRepository } from '../chunks/document-chunks.repository';
import { DocumentSummariesRepository } from '../chunks/document-summaries.repository';
import { NotFoundError } from '../common/errors';
import { mapPage, type Page, type PageRequest } from '../common/pagination';
import type { DocumentSummaryDto } from './dto/document-summary.dto';
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
 * The document list, whole-document deletes and the retention purge. A soft delete hides the chunks from retrieval
 * at once (retrieval hydrates from Postgres) and queues their points' removal.
 */
@Injectable()
export class DocumentsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DocumentsService.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly changes: ChunkChanges,
    private readonly chunks: DocumentChunksRepository,
    private readonly relay: OutboxRelay,
    private readonly summaries: DocumentSummariesRepository,
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

  async list(page: PageRequest): Promise<Page<DocumentSummaryDto>> {
    return mapPage(await this.summaries.list(page), (row) => ({
      document_reference: row.document_reference,
      title: row.title,
      chunks: row.chunks,
      synced_chunks: row.synced_chunks,
      pending_chunks: row.pending_chunks,
      failed_chunks: row.failed_chunks,
      characters: Number(row.characters),
      last_updated_at: row.last_updated_at,
    }));
  }

  async deleteDocument(documentReference: string, hard: boolean, waitMs: number): Promise<DocumentDeletion> {
    const { changed } = await this.changes.apply(async (tx) => {
      await this.chunks.lockDocument(tx, documentReference);
      const deleted = hard
        ? await this.chunks.hardDeleteDocument(tx, documentReference)
        : await this.chunks.softDeleteDocument(tx, documentReference);
      if (deleted.length === 0) throw new NotFoundError('document', documentReference);
      return {
        deleted,
        audit: {
          operation_type: hard ? 'hard_delete' : 'soft_delete',
          resource_type: 'document',
          resource_id: documentReference,
          user_id: null,
          details: { chunks: deleted.length },
        },
        result: undefined,
      };
    });
    const synced = await this.relay.waitUntilSynced(changed, waitMs);
    return { document_reference: documentReference, hard, deleted: changed.length, synced };
  }

  /** Hard-deletes soft-deleted chunks past the retention, in bounded batches. */
  async purge(): Promise<number> {
    const retentionDays = this.config.purgeRetentionDays;
    let total = 0;
    for (;;) {
      const { changed } = await this.changes.apply(async (tx) => {
        const deleted = await this.chunks.purgeSoftDeleted(tx, retentionDays, PURGE_BATCH);
        return {
          deleted,
          audit:
            deleted.length === 0
              ? null
              : {
                  operation_type: 'hard_delete',
                  resource_type: 'chunk',
                  resource_id: null,
                  user_id: null,
                  details: { reason: 'retention', retention_days: retentionDays, chunks: deleted.length },
                },
          result: undefined,
        };
      });
      total += changed.length;
      if (changed.length < PURGE_BATCH) break;
    }
    if (total > 0) {
      this.relay.wake();
      this.logger.log(`Purged ${total} chunk(s) soft-deleted over ${retentionDays} day(s) ago`);
    }
    return total;
  }
}
