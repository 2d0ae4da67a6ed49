import type { Logger } from '@nestjs/common';

/** Runs one vector operation, logging it at debug level with its latency (never vectors or texts). */
export async function timed<T>(logger: Logger, operation: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started).toFixed(1);
  try {
    const result = await fn();
    logger.debug(`${operation} in ${elapsed()} ms`);
    return result;
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    logger.debug(`${operation} failed after ${elapsed()} ms: ${code}`);
    throw error;
  }
}
