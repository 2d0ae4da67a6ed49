import { Module } from '@nestjs/common';
import { ChunksModule } from '../chunks/chunks.module';
import { EmbeddingsModule } from '../embeddings/embeddings.module';
import { LogsModule } from '../logs/logs.module';
import { SyncModule } from '../sync/sync.module';
import { VectorsModule } from '../vectors/vectors.module';
import { HybridRetrieval } from './hybrid-retrieval.service';
import { ModelGuard } from './model-guard.service';
import { QueryEmbedder } from './query-embedder.service';
import { RetrievalController } from './retrieval.controller';
import { RetrievalLogWriter } from './retrieval-log.writer';
import { RetrievalMetrics } from './retrieval.metrics';
import { RETRIEVAL_MODE_HANDLERS } from './retrieval-mode';
import { RetrievalRepository } from './retrieval.repository';
import { RetrievalService } from './retrieval.service';
import { RetrieveRequestPipe } from './retrieve-request.pipe';
import { SelectedTextRetrieval } from './selected-text-retrieval.service';
import { TermStatisticsCache } from './term-statistics.service';
import { VectorRetrieval } from './vector-retrieval.service';

/** Exports its metrics for the observability module's /metrics. */
@Module({
  imports: [VectorsModule, EmbeddingsModule, ChunksModule, LogsModule, SyncModule],
  controllers: [RetrievalController],
  providers: [
    RetrievalService,
    VectorRetrieval,
    HybridRetrieval,
    SelectedTextRetrieval,
    {
      provide: RETRIEVAL_MODE_HANDLERS,
      inject: [VectorRetrieval, HybridRetrieval, SelectedTextRetrieval],
      useFactory: (...handlers: unknown[]) => handlers,
    },
    QueryEmbedder,
    ModelGuard,
    RetrievalRepository,
    TermStatisticsCache,
    RetrievalLogWriter,
    RetrievalMetrics,
    RetrieveRequestPipe,
  ],
  exports: [RetrievalMetrics],
})
export class RetrievalModule {}
