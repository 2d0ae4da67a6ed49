import { Module } from '@nestjs/common';
import { AuditLogsModule } from '../audit-logs/audit-logs.module';
import { ChunkOutboxRepository } from './chunk-outbox.repository';
import { ChunksController } from './chunks.controller';
import { ChunksRepository } from './chunks.repository';
import { ChunksService } from './chunks.service';

/** Exports its repositories as well: ingestion writes chunks and outbox rows in its own transaction. */
@Module({
  imports: [AuditLogsModule],
  controllers: [ChunksController],
  providers: [ChunksService, ChunksRepository, ChunkOutboxRepository],
  exports: [ChunksService, ChunksRepository, ChunkOutboxRepository],
})
export class ChunksModule {}
