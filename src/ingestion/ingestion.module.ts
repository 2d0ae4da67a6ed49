import { Module } from '@nestjs/common';
import { ChunksModule } from '../chunks/chunks.module';
import { EmbeddingsModule } from '../embeddings/embeddings.module';
import { SyncModule } from '../sync/sync.module';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';
import { DocumentSyncService } from './document-sync.service';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';
import { ChunkEmbedder } from './chunk-embedder.service';

@Module({
  imports: [ChunksModule, SyncModule, EmbeddingsModule],
  controllers: [IngestController, DocumentsController],
  providers: [IngestService, DocumentsService, DocumentSyncService, ChunkEmbedder],
  exports: [IngestService, DocumentsService],
})
export class IngestionModule {}
