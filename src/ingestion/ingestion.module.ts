import { Module } from '@nestjs/common';
import { AuditLogsModule } from '../audit-logs/audit-logs.module';
import { ChunksModule } from '../chunks/chunks.module';
import { SyncModule } from '../sync/sync.module';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';
import { IngestController } from './ingest.controller';
import { IngestRepository } from './ingest.repository';
import { IngestService } from './ingest.service';

@Module({
  imports: [ChunksModule, AuditLogsModule, SyncModule],
  controllers: [IngestController, DocumentsController],
  providers: [IngestService, IngestRepository, DocumentsService],
  exports: [IngestService, DocumentsService],
})
export class IngestionModule {}
