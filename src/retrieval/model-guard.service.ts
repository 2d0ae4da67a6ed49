import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { vectorsConfig } from '../../config';
import { DomainError } from '../common/errors';
import { EmbeddingProvider } from '../embeddings/embedding-provider';
import { CollectionBindingRepository } from '../sync/collection-binding.repository';
import { confirmedByPostgres } from './sql-state';

/** How often the binding is read again in the background (a rebuild elsewhere may rebind it). */
const REFRESH_MS = 10_000;

/**
 * Text queries are embedded by the configured provider; vectors of another model are not
 * comparable, so a text query against a collection bound to another model is refused (409
 * EMBEDDING_MODEL_MISMATCH naming both) instead of answering noise.
 *
 * The binding is read off the hot path: cached, and refreshed by a timer (outside any request),
 * so a matching query never waits for PostgreSQL. A cached mismatch is read again before
 * refusing, so a rebuild that rebinds the collection (in any process) is honoured at once; while
 * the collection is not bound yet (empty), each text query reads it, so the first ingest — in
 * any replica — is seen by the next query. Queries with their own `query_vector` are not
 * checked: the caller chose the model.
 */
@Injectable()
export class ModelGuard implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ModelGuard.name);
  /** The bound model; null = not bound; undefined = not read yet. */
  private model: string | null | undefined = undefined;
  private refreshing: Promise<string | null> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly provider: EmbeddingProvider,
    private readonly bindings: CollectionBindingRepository,
    @Inject(vectorsConfig.KEY) private readonly vectors: ConfigType<typeof vectorsConfig>,
  ) {}

  /** One warning at start-up when text queries would be refused. */
  async onApplicationBootstrap(): Promise<void> {
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), REFRESH_MS).unref();
    try {
      const model = await this.refresh();
      if (model !== null && model !== this.provider.model) {
        this.logger.warn(
          `Collection ${this.vectors.collection} is bound to ${model}, but the embedding provider ` +
            `uses ${this.provider.model}: text queries will be refused (409) until they agree`,
        );
      }
    } catch (error) {
      this.logger.warn(`Could not read the collection's model binding yet: ${(error as Error).message}`);
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Resolves when a text query may be embedded by the provider; throws 409 otherwise. */
  async checkTextQuery(): Promise<void> {
    if (this.model === this.provider.model) return;
    const model = await confirmedByPostgres(() => this.refresh());
    if (model === null || model === this.provider.model) return;
    throw new DomainError(
      'EMBEDDING_MODEL_MISMATCH',
      `Collection ${this.vectors.collection} holds ${model} embeddings, but text queries are ` +
        `embedded with ${this.provider.model}; their vectors are not comparable. Send query_vector from ` +
        `${model}, configure that model, or re-embed the collection (vectors:rebuild).`,
      {
        collection: this.vectors.collection,
        collection_model: model,
        query_model: this.provider.model,
      },
    );
  }

  /** One read at a time, shared by every request that needs it. */
  private refresh(): Promise<string | null> {
    this.refreshing ??= this.bindings
      .find(this.vectors.collection)
      .then((binding) => (this.model = binding?.embedding_model ?? null))
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }
}
