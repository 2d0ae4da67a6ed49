import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { qdrantConfig } from '../../config';
import { VectorStore, type CollectionInfo } from './vector-store';
import { VectorStoreError } from './vector-store.errors';

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Makes sure the collection exists at start-up. A collection with another size or distance
 * stops the boot; a vector store that cannot be reached (or refuses our key) does not: the
 * service keeps serving, the health probe reports it down, and the bootstrap is retried with
 * backoff until it succeeds, so Qdrant may come up after us. With QDRANT_ON_MISMATCH=warn (set by
 * `vectors:rebuild`) a mismatch is logged instead, so the rebuild can replace the collection.
 */
@Injectable()
export class CollectionBootstrap implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CollectionBootstrap.name);
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly store: VectorStore,
    @Inject(qdrantConfig.KEY) private readonly config: ConfigType<typeof qdrantConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      this.ready(await this.store.ensureCollection());
    } catch (error) {
      if (this.config.onMismatch === 'warn' && (error as VectorStoreError).code === 'COLLECTION_MISMATCH') {
        this.logger.warn((error as Error).message);
        return;
      }
      if (!isTransient(error)) throw error;
      this.retryLater(error as VectorStoreError);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.store.close();
  }

  private retryLater(error: VectorStoreError): void {
    if (this.stopped) return;
    const delay = Math.min(MAX_RETRY_DELAY_MS, 1_000 * 2 ** this.failures++);
    this.logger.warn(`Vector store not ready (${error.code}: ${error.message}); retrying in ${delay} ms`);
    this.retryTimer = setTimeout(() => {
      this.store.ensureCollection().then(
        (info) => this.ready(info),
        (retryError: unknown) =>
          isTransient(retryError)
            ? this.retryLater(retryError as VectorStoreError)
            : this.logger.error(`Vector collection bootstrap failed: ${(retryError as Error).message}`),
      );
    }, delay).unref();
  }

  /** The effective configuration, logged once (names and numbers only, never a URL or key). */
  private ready(info: CollectionInfo): void {
    const hnsw = info.hnsw ? `, hnsw m=${info.hnsw.m} ef_construct=${info.hnsw.ef_construct}` : '';
    this.logger.log(
      `Vector collection ${info.name} ready on ${this.store.kind}: size ${info.vector_size}, ${info.distance}` +
        `${hnsw}, quantization ${info.quantization ?? 'none'}, ${info.points_count} points, ` +
        `payload indexes [${info.payload_indexes.join(', ')}]`,
    );
  }
}

/**
 * Worth retrying: Qdrant down or slow, or a key refused (it may be rotated in). A key that is
 * valid but lacks a right (VECTOR_STORE_FORBIDDEN, e.g. a collection-scoped key asked to create
 * the collection) never gains it by waiting, so it stops the boot with the right named.
 */
function isTransient(error: unknown): boolean {
  return (
    error instanceof VectorStoreError &&
    ['VECTOR_STORE_UNAVAILABLE', 'VECTOR_STORE_TIMEOUT', 'VECTOR_STORE_UNAUTHORIZED'].includes(error.code)
  );
}
