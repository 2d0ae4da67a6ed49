import type { EmbeddingProvider } from './embedding-provider';

export interface BatchOptions {
  batchSize: number;
  concurrency: number;
}

/**
 * Embeds many texts through `provider` in requests of at most `batchSize` texts, at most
 * `concurrency` of them in flight, returning the vectors in input order. Each request has the
 * provider's own timeout and retries (429 with Retry-After, 5xx, timeouts); the first request
 * that still fails fails the whole call, and no further requests are started.
 */
export async function embedInBatches(
  provider: EmbeddingProvider,
  texts: readonly string[],
  { batchSize, concurrency }: BatchOptions,
): Promise<Float32Array[]> {
  const vectors: Float32Array[] = new Array<Float32Array>(texts.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < texts.length) {
      const start = next;
      next += batchSize;
      const batch = texts.slice(start, start + batchSize);
      try {
        const embedded = await provider.embed(batch);
        embedded.forEach((vector, i) => (vectors[start + i] = vector));
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.min(concurrency, Math.ceil(texts.length / batchSize)) }, worker);
  const results = await Promise.allSettled(workers);
  const rejection = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejection) throw rejection.reason;
  return vectors;
}
