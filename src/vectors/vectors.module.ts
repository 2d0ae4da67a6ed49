import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { join } from 'node:path';
import { appConfig, qdrantConfig } from '../../config';
import { CollectionBootstrap } from './collection-bootstrap';
import { LocalVectorStore } from './local/local-vector-store';
import { QdrantVectorStore } from './qdrant/qdrant-vector-store';
import { VectorSearch, VectorStore } from './vector-store';

/**
 * Provides the VectorStore: Qdrant when a URL is configured, else the embedded store under
 * DATA_DIR/vectors. The collection is bootstrapped at start-up and the store closed at shutdown.
 */
@Module({
  providers: [
    {
      provide: VectorStore,
      inject: [appConfig.KEY, qdrantConfig.KEY],
      useFactory: (
        app: ConfigType<typeof appConfig>,
        qdrant: ConfigType<typeof qdrantConfig>,
      ): Promise<VectorStore> =>
        qdrant.url
          ? Promise.resolve(new QdrantVectorStore({ ...qdrant, url: qdrant.url }))
          : LocalVectorStore.open({
              directory: join(app.dataDir, 'vectors'),
              collection: qdrant.collection,
              vectorSize: qdrant.vectorSize,
            }),
    },
    {
      provide: VectorSearch,
      inject: [VectorStore, qdrantConfig.KEY],
      useFactory: (store: VectorStore, qdrant: ConfigType<typeof qdrantConfig>): VectorSearch =>
        qdrant.url && qdrant.readApiKey
          ? new QdrantVectorStore({ ...qdrant, url: qdrant.url, apiKey: qdrant.readApiKey })
          : store,
    },
    CollectionBootstrap,
  ],
  exports: [VectorStore, VectorSearch],
})
export class VectorsModule {}
