import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { vectorsConfig } from '../../config';
import { DomainError } from '../common/errors';
import { validationFailed } from '../common/validation';
import { EmbeddingProvider } from '../embeddings/embedding-provider';

/** The query as a vector of the collection's size: the caller's own, or the provider's embedding. */
@Injectable()
export class QueryEmbedder {
  constructor(
    private readonly provider: EmbeddingProvider,
    @Inject(vectorsConfig.KEY) private readonly vectors: ConfigType<typeof vectorsConfig>,
  ) {}

  /** query_vector's size was checked with the request; an embedding's size is checked here. */
  async vectorFor(request: {
    query?: string;
    query_vector?: number[];
  }): Promise<readonly number[] | Float32Array> {
    if (request.query_vector) return request.query_vector;
    const [vector] = await this.provider.embed([request.query!]);
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
