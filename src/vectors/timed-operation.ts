import type { Logger } from '@nestjs/common';
import { vectorStoreRequestDuration } from '../observability/vector-store.metrics';

/**
 * Runs one vector operation, logging it at debug level with its latency (never vectors or texts)
 * and recording it in the vector store duration histogram.
 */
export async function timed<T>(logger: Logger, operation: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started).toFixed(1);
  // The label is the port method, the description's first word: the sizes after it are for the
  // log only and would make the label set unbounded.
  const observe = (outcome: 'success' | 'error') =>
    vectorStoreRequestDuration.observe(
      { operation: operation.split(' ', 1)[0], outcome },
      (performance.now() - started) / 1000,
    );
  try {
    const result = await fn();
    observe('success');
    logger.debug(`${operation} in ${elapsed()} ms`);
    return result;
  } catch (error) {
    observe('error');
    const code = (error as { code?: string }).code ?? (error as Error).name;
    logger.debug(`${operation} failed after ${elapsed()} ms: ${code}`);
    throw error;
  }
}
