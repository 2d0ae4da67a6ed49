import { Module } from '@nestjs/common';
import { ChunksModule } from '../chunks/chunks.module';
import { SyncModule } from '../sync/sync.module';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';

@Module({
  imports: [ChunksModule, SyncModule],
  controllers: [IngestController, DocumentsController],
  providers: [IngestService, DocumentsService],
  exports: [IngestService, DocumentsService],
})
export class IngestionModule {}
