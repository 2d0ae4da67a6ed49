/**
 * The embedding provider port: turns query text into vectors of the collection's size. The
 * abstract class is also the injection token; EmbeddingsModule binds the configured adapter.
 */
export abstract class EmbeddingProvider {
  /** Model name, recorded with what it embeds (e.g. `text-embedding-3-small`). */
  abstract readonly model: string;

  /** The size of the vectors `embed` is expected to return (the collection's VECTOR_SIZE). */
  abstract readonly dimension: number;

  /** One vector per text, in order. Throws DomainError EMBEDDING_UNAVAILABLE / EMBEDDING_REJECTED. */
  abstract embed(texts: string[]): Promise<Float32Array[]>;
}
