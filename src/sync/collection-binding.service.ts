import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { vectorsConfig } from '../../config';
import { DomainError } from '../common/errors';
import type { Transaction } from '../database/transactions';
import { type CollectionBinding, CollectionBindingRepository } from './collection-binding.repository';

/** A write of one model into a collection bound to another (or to another vector size). */
export class EmbeddingModelMismatchError extends DomainError {
  constructor(collection: string, bound: CollectionBinding, requested: CollectionBinding) {
    super(
      'EMBEDDING_MODEL_MISMATCH',
      `Collection ${collection} holds ${bound.embedding_model} embeddings of size ${bound.vector_size}; ` +
        `this batch is ${requested.embedding_model} of size ${requested.vector_size}. ` +
        'Changing models goes through vectors:rebuild.',
      { collection, bound, requested },
    );
  }
}

/**
 * The configured collection and the model it holds: a collection is bound to one embedding
 * model and vector size by its first write, and every later write must match, so its vectors
 * stay comparable. `vectors:rebuild` is the only way to change the binding.
 */
@Injectable()
export class CollectionBindings {
  constructor(
    private readonly bindings: CollectionBindingRepository,
    @Inject(vectorsConfig.KEY) private readonly vectors: ConfigType<typeof vectorsConfig>,
  ) {}

  /** The size every vector of the configured collection has. */
  get vectorSize(): number {
    return this.vectors.vectorSize;
  }

  /**
   * Inside a write's transaction: binds the collection to `model` if it is unbound, else
   * refuses (409) a model or size other than the bound one.
   */
  async bindOrRefuse(tx: Transaction, model: string): Promise<void> {
    const { collection, vectorSize } = this.vectors;
    const requested = { embedding_model: model, vector_size: vectorSize };
    const bound = await this.bindings.bindIfUnbound(tx, collection, requested);
    if (bound.embedding_model !== model || bound.vector_size !== vectorSize) {
      throw new EmbeddingModelMismatchError(collection, bound, requested);
    }
  }
}
