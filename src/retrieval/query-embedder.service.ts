import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { LRUCache } from 'lru-cache';
import { vectorsConfig, retrievalConfig } from '../../config';
import { DomainError } from '../common/errors';
import { validationFailed } from '../common/validation';
import { EmbeddingProvider } from '../embeddings/embedding-provider';
import { ModelGuard } from './model-guard.service';
import { RetrievalMetrics } from './retrieval.metrics';

/**
 * The cache key of a query: the model, then the text in Unicode NFC with runs of whitespace folded
 * to one space and the ends trimmed. Case is kept: real embedding models tell "Apple" from "apple".
 */
export function queryCacheKey(model: string, query: string): string {
  return `${model}\u0000${query.normalize('NFC').replace(/\s+/gu, ' ').trim()}`;
}

/**
 * The query as a vector of the collection's size: the caller's own, or the provider's embedding.
 * Embeddings are kept in a bounded LRU (RETRIEVAL_QUERY_CACHE_SIZE), so a repeated question costs
 * no provider call; concurrent requests for the same text share one call, and a failed call is
 * never cached.
 */
@Injectable()
export class QueryEmbedder {
  private readonly cache: LRUCache<string, Promise<Float32Array>> | null;

  constructor(
    private readonly provider: EmbeddingProvider,
    @Inject(vectorsConfig.KEY) private readonly vectors: ConfigType<typeof vectorsConfig>,
    @Inject(retrievalConfig.KEY) config: ConfigType<typeof retrievalConfig>,
    private readonly metrics: RetrievalMetrics,
    private readonly guard: ModelGuard,
  ) {
    this.cache = config.queryCacheSize > 0 ? new LRUCache({ max: config.queryCacheSize }) : null;
  }

  /**
   * query_vector's size was checked with the request; an embedding's size is checked here, and a
   * text query is refused when the collection holds another model's vectors (ModelGuard).
   */
  async vectorFor(request: {
    query?: string;
    query_vector?: number[];
  }): Promise<readonly number[] | Float32Array> {
    if (request.query_vector) return request.query_vector;
    await this.guard.checkTextQuery();
    const query = request.query!;
    if (!this.cache) return this.embed(query);
    const key = queryCacheKey(this.provider.model, query);
    const cached = this.cache.get(key);
    this.metrics.recordQueryCache(cached ? 'hit' : 'miss');
    if (cached) return cached;
    const embedding = this.embed(query);
    this.cache.set(key, embedding);
    embedding.catch(() => {
      if (this.cache!.peek(key) === embedding) this.cache!.delete(key);
    });
    return embedding;
  }

  private async embed(query: string): Promise<Float32Array> {
    const [vector] = await this.provider.embed([query]);
    if (vector.length !== this.vectors.vectorSize) {
      throw new DomainError(
        'EMBEDDING_DIMENSION_MISMATCH',
        `The embedding model ${this.provider.model} returned ${vector.length} values; ` +
          `the collection holds vectors of size ${this.vectors.vectorSize}`,
        { embedding_size: vector.length, collection_size: this.vectors.vectorSize },
      );
    }
    if (vector.every((value) => value === 0)) {
      throw validationFailed([
        { field: 'query', rules: ['hasSearchableWords'], messages: ['query has no words to search for'] },
      ]);
    }
    return vector;
  }
}
