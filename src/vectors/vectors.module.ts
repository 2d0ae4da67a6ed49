import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { join } from 'node:path';
import { appConfig, qdrantConfig, vectorsConfig } from '../../config';
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
      inject: [appConfig.KEY, qdrantConfig.KEY, vectorsConfig.KEY],
      useFactory: (
        app: ConfigType<typeof appConfig>,
        qdrant: ConfigType<typeof qdrantConfig>,
        vectors: ConfigType<typeof vectorsConfig>,
      ): Promise<VectorStore> =>
        qdrant.url
          ? Promise.resolve(new QdrantVectorStore({ ...qdrant, ...collectionOf(vectors), url: qdrant.url }))
          : LocalVectorStore.open({
              directory: join(app.dataDir, 'vectors'),
              ...collectionOf(vectors),
              ann: { minPoints: vectors.annMinPoints, efSearch: vectors.annEfSearch },
            }),
    },
    {
      provide: VectorSearch,
      inject: [VectorStore, qdrantConfig.KEY, vectorsConfig.KEY],
      useFactory: (
        store: VectorStore,
        qdrant: ConfigType<typeof qdrantConfig>,
        vectors: ConfigType<typeof vectorsConfig>,
      ): VectorSearch =>
        qdrant.url && qdrant.readApiKey
          ? new QdrantVectorStore({
              ...qdrant,
              ...collectionOf(vectors),
              url: qdrant.url,
              apiKey: qdrant.readApiKey,
            })
          : store,
    },
    CollectionBootstrap,
  ],
  exports: [VectorStore, VectorSearch],
})
export class VectorsModule {}

function collectionOf(vectors: ConfigType<typeof vectorsConfig>) {
  return { collection: vectors.collection, vectorSize: vectors.vectorSize };
}
