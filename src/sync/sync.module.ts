import { Module } from '@nestjs/common';
import { ChunksModule } from '../chunks/chunks.module';
import { VectorsModule } from '../vectors/vectors.module';
import { CollectionBindingRepository } from './collection-binding.repository';
import { CollectionBindings } from './collection-binding.service';
import { ConsistencyRepairService } from './consistency-repair.service';
import { ConsistencyController } from './consistency.controller';
import { ConsistencyRepository } from './consistency.repository';
import { ConsistencyService } from './consistency.service';
import { OutboxRelay } from './outbox-relay.service';
import { OutboxRepository } from './outbox.repository';
import { RebuildRepository } from './rebuild.repository';
import { RebuildService } from './rebuild.service';

/**
 * Keeps the vector store in step with Postgres: the outbox relay, the consistency check and
 * repair, and the rebuild. Writers (ingestion, chunks) queue outbox rows in their own
 * transactions; this module consumes them.
 */
@Module({
  imports: [ChunksModule, VectorsModule],
  controllers: [ConsistencyController],
  providers: [
    OutboxRepository,
    OutboxRelay,
    ConsistencyRepository,
    ConsistencyService,
    ConsistencyRepairService,
    RebuildRepository,
    RebuildService,
    CollectionBindingRepository,
    CollectionBindings,
  ],
  exports: [
    OutboxRelay,
    ConsistencyService,
    ConsistencyRepairService,
    RebuildService,
    CollectionBindingRepository,
    CollectionBindings,
  ],
})
export class SyncModule {}
