import { appConfig, loadAppConfig } from './app.config';
import { authConfig, loadAuthConfig } from './auth.config';
import { databaseConfig, loadDatabaseConfig } from './database.config';
import { embeddingConfig, loadEmbeddingConfig } from './embedding.config';
import { ingestionConfig, loadIngestionConfig } from './ingestion.config';
import { loadQdrantConfig, qdrantConfig } from './qdrant.config';
import { loadRateLimitConfig, rateLimitConfig } from './rate-limit.config';
import { loadRetrievalConfig, retrievalConfig } from './retrieval.config';
import { loadSyncConfig, syncConfig } from './sync.config';
import { loadVectorsConfig, vectorsConfig } from './vectors.config';
import type { Env } from './env';

export * from './app.config';
export * from './auth.config';
export * from './database.config';
export * from './embedding.config';
export * from './ingestion.config';
export * from './qdrant.config';
export * from './rate-limit.config';
export * from './retrieval.config';
export * from './sync.config';
export * from './vectors.config';
export { ConfigValidationError, isLoopbackHost } from './env';

/** Every namespace, in the order ConfigModule loads them. */
export const configNamespaces = [
  appConfig,
  databaseConfig,
  qdrantConfig,
  vectorsConfig,
  ingestionConfig,
  syncConfig,
  embeddingConfig,
  retrievalConfig,
  authConfig,
  rateLimitConfig,
];

/**
 * Every environment variable the configuration reads (aliases and `<NAME>_FILE` forms included),
 * found by loading it from an empty environment that records each name looked up: the list cannot
 * drift from the namespaces. Tests clear these so the caller's shell never configures them.
 */
export function configVariableNames(): string[] {
  const read = new Set<string>();
  const recorder: Env = new Proxy(
    {},
    {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    },
  );
  validateAllConfig(recorder);
  return [...read].sort();
}

/** Validates the whole environment at once, so a bad value stops the boot before anything starts. */
export function validateAllConfig(env: Env = process.env): void {
  loadAppConfig(env);
  loadDatabaseConfig(env);
  loadQdrantConfig(env);
  loadVectorsConfig(env);
  loadIngestionConfig(env);
  loadSyncConfig(env);
  loadAuthConfig(env);
  loadRateLimitConfig(env);
  loadEmbeddingConfig(env);
  loadRetrievalConfig(env);
}
