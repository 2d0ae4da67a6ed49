import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { embeddingConfig } from '../../config';
import { encodeEmbedding } from '../chunks/embedding-codec';
import type { FieldViolation } from '../common/errors';
import { validationFailed } from '../common/validation';
import { embedInBatches } from '../embeddings/embed-in-batches';
import { EmbeddingProvider } from '../embeddings/embedding-provider';
import { checkEmbedding } from './ingest-validation';
import { StoredEmbeddingsRepository } from '../chunks/stored-embeddings.repository';

export interface ChunkToEmbed {
  /** Position in the batch. */
  position: number;
  chunk_text: string;
  content_hash: string;
}

export interface EmbeddedChunks {
  /** Encoded embeddings by batch position. */
  embeddings: Map<number, Buffer>;
  /** Chunks the provider embedded (the rest reused a stored embedding of the same text). */
  embedded: number;
}

/**
 * Server-side embedding at ingest: chunks sent without a vector get one from the configured
 * provider, except where any document already stores an embedding of the same text by the same
 * model — unchanged or repeated text is never embedded twice. Runs before the ingest's transaction, so no
 * lock or connection is held across the provider's network calls.
 */
@Injectable()
export class ChunkEmbedder {
  constructor(
    private readonly provider: EmbeddingProvider,
    private readonly stored: StoredEmbeddingsRepository,
    @Inject(embeddingConfig.KEY) private readonly config: ConfigType<typeof embeddingConfig>,
  ) {}

  /** The model chunks without a vector are embedded with. */
  get model(): string {
    return this.provider.model;
  }

  async embed(documentReference: string, chunks: readonly ChunkToEmbed[]): Promise<EmbeddedChunks> {
    const embeddings = new Map<number, Buffer>();
    if (chunks.length === 0) return { embeddings, embedded: 0 };
    const known = await this.stored.findByContentHash(
      documentReference,
      this.provider.model,
      chunks.map((c) => c.content_hash),
    );
    const missing = chunks.filter((c) => {
      const reuse = known.get(c.content_hash);
      if (reuse) embeddings.set(c.position, reuse);
      return !reuse;
    });
    const vectors = await embedInBatches(
      this.provider,
      missing.map((c) => c.chunk_text),
      this.config,
    );
    const violations: FieldViolation[] = [];
    missing.forEach((chunk, i) => {
      const problem = checkEmbedding(vectors[i] ?? [], this.provider.dimension);
      if (problem) {
        const field = `chunks.${chunk.position}.chunk_text`;
        violations.push({
          field,
          rules: ['embeddable'],
          messages: [
            `${field} could not be embedded by ${this.provider.model}: the vector ${problem.message}`,
          ],
        });
      } else embeddings.set(chunk.position, encodeEmbedding(vectors[i]));
    });
    if (violations.length > 0) throw validationFailed(violations);
    return { embeddings, embedded: missing.length };
  }
}
