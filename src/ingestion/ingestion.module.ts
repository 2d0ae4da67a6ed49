import { Module } from '@nestjs/common';
import { AuditLogsModule } from '../audit-logs/audit-logs.module';
import { ChunksModule } from '../chunks/chunks.module';
import { VectorsModule } from '../vectors/vectors.module';
import { ConsistencyController } from './consistency.controller';
import { ConsistencyRepository } from './consistency.repository';
import { ConsistencyService } from './consistency.service';
import { DocumentsController } from './documents.controller';
import { DocumentsService } from './documents.service';
import { IngestController } from './ingest.controller';
import { IngestRepository } from './ingest.repository';
import { IngestService } from './ingest.service';
import { OutboxRelay } from './outbox-relay.service';
import { OutboxRepository } from './outbox.repository';
import { RebuildRepository } from './rebuild.repository';
import { RebuildService } from './rebuild.service';

@Module({
  imports: [ChunksModule, AuditLogsModule, VectorsModule],
  controllers: [IngestController, DocumentsController, ConsistencyController],
  providers: [
    IngestService,
    IngestRepository,
    OutboxRepository,
    OutboxRelay,
    ConsistencyRepository,
    ConsistencyService,
    DocumentsService,
    RebuildRepository,
    RebuildService,
  ],
  exports: [OutboxRelay, OutboxRepository, ConsistencyService],
})
export class IngestionModule {}
