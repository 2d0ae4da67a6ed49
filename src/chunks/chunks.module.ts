import { Module } from '@nestjs/common';
import { AuditLogsModule } from '../audit-logs/audit-logs.module';
import { ChunkChanges } from './chunk-changes';
import { ChunkOutboxRepository } from './chunk-outbox.repository';
import { ChunksController } from './chunks.controller';
import { ChunksRepository } from './chunks.repository';
import { ChunksService } from './chunks.service';
import { DocumentChunksRepository } from './document-chunks.repository';
import { DocumentSummariesRepository } from './document-summaries.repository';
import { StoredEmbeddingsRepository } from './stored-embeddings.repository';

/**
 * The one owner of `chunks`. Other modules change chunks only through ChunkChanges (the unit of
 * work), handing its transaction to these repositories.
 */
@Module({
  imports: [AuditLogsModule],
  controllers: [ChunksController],
  providers: [
    ChunksService,
    ChunksRepository,
    DocumentChunksRepository,
    ChunkOutboxRepository,
    ChunkChanges,
    StoredEmbeddingsRepository,
    DocumentSummariesRepository,
  ],
  exports: [
    ChunksService,
    ChunksRepository,
    DocumentChunksRepository,
    ChunkChanges,
    StoredEmbeddingsRepository,
    DocumentSummariesRepository,
  ],
})
export class ChunksModule {}
