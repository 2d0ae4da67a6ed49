import { Logger, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { embeddingConfig, vectorsConfig } from '../../config';
import { EmbeddingProvider } from './embedding-provider';
import { HashingEmbeddingProvider } from './hashing-embedding.provider';
import { OpenAiEmbeddingProvider } from './openai-embedding.provider';

const DEFAULT_OPENAI_MODEL = 'text-embedding-3-small';

/** Provides the configured EmbeddingProvider; vectors are expected at the collection's size. */
@Module({
  providers: [
    {
      provide: EmbeddingProvider,
      inject: [embeddingConfig.KEY, vectorsConfig.KEY],
      useFactory: (
        config: ConfigType<typeof embeddingConfig>,
        vectors: ConfigType<typeof vectorsConfig>,
      ): EmbeddingProvider => {
        const provider =
          config.provider === 'openai'
            ? new OpenAiEmbeddingProvider({
                baseUrl: config.baseUrl!,
                model: config.model ?? DEFAULT_OPENAI_MODEL,
                apiKey: config.apiKey,
                dimension: vectors.vectorSize,
                timeoutMs: config.timeoutMs,
                maxRetries: config.maxRetries,
              })
            : new HashingEmbeddingProvider(vectors.vectorSize);
        new Logger('Embeddings').log(`Embedding provider: ${config.provider} (${provider.model})`);
        return provider;
      },
    },
  ],
  exports: [EmbeddingProvider],
})
export class EmbeddingsModule {}
