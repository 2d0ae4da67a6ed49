import { Logger } from '@nestjs/common';
import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import {
  ConfigValidationError,
  isLoopbackHost,
  type QdrantConfig,
  type VectorsConfig,
} from '../../../config';
import { timed } from '../timed-operation';
import {
  VectorStore,
  type ChunkPayload,
  type CollectionInfo,
  type CollectionSummary,
  type ScrollPage,
  type ScrollRequest,
  type SearchHit,
  type SearchRequest,
  type StoredPoint,
  type VectorFilter,
  type VectorPoint,
  type VectorStoreHealth,
} from '../vector-store';
import { refuseDropServing, refuseSelfAlias, VectorStoreError } from '../vector-store.errors';
import { validateIds, validatePoints, validateQueryVector } from '../vector-validation';
import { createQdrantClient } from './qdrant-connection';
import { downReason, httpStatus, isSocketError, toVectorStoreError } from './qdrant-errors';
import { PAYLOAD_INDEXES, toQdrantFilter } from './qdrant-filter';
import { upsertBatches } from './upsert-batches';

export type QdrantStoreConfig = QdrantConfig &
  Pick<VectorsConfig, 'collection' | 'vectorSize'> & { url: string };

/** Backoff for a read that finds the collection missing (about one alias switch, 350 ms in all). */
const MISSING_RETRY_DELAYS_MS = [50, 100, 200];

/**
 * The VectorStore on Qdrant's REST API. Point id = chunk_id. Every write passes `wait=true`
 * (the server's default is false and the client adds it only for some calls), so a resolved
 * write is searchable. Search uses only `POST /points/query`, the one search endpoint in both
 * the 1.18 and the 1.19 specs.
 */
export class QdrantVectorStore extends VectorStore {
  readonly kind = 'qdrant';
  private readonly logger = new Logger(QdrantVectorStore.name);
  private readonly client: QdrantClient;
  private readonly collection: string;
  private readonly searchParams: Schemas['SearchParams'];

  constructor(private readonly config: QdrantStoreConfig) {
    super();
    refuseKeyInClear(config);
    this.collection = config.collection;
    this.searchParams = {
      hnsw_ef: config.searchHnswEf,
      // Collections are created quantized under this setting; Qdrant ignores these parameters on
      // one without quantized vectors.
      ...(config.quantization === 'int8'
        ? { quantization: { rescore: true, oversampling: config.searchOversampling } }
        : {}),
    };
    this.client = createQdrantClient(config);
  }

  ensureCollection(): Promise<CollectionInfo> {
    return timed(this.logger, 'ensureCollection', async () => {
      let info = await this.collectionInfo();
      if (!info) {
        await this.call('create collection', () =>
          this.client.createCollection(this.collection, this.collectionSpec()),
        ).catch((error: VectorStoreError) => {
          // Another replica created it first: fine, it is checked below like any existing one.
          if (!/already exists/i.test(error.message)) throw error;
        });
        info = (await this.collectionInfo())!;
      }
      refuseMismatch(info, this.config.vectorSize);
      for (const index of PAYLOAD_INDEXES.filter((i) => !info.payload_indexes.includes(i.field_name))) {
        await this.write(`create payload index ${index.field_name}`, () =>
          this.client.createPayloadIndex(this.collection, { ...index, wait: true }),
        );
      }
      return (await this.collectionInfo())!;
    });
  }

  upsert(points: readonly VectorPoint[]): Promise<void> {
    return timed(this.logger, `upsert ${points.length} points`, async () => {
      validatePoints(points, this.config.vectorSize);
      for (const batch of upsertBatches(points, this.config.upsertBatchSize, this.config.upsertMaxBytes)) {
        await this.write('upsert', () =>
          this.client.upsert(this.collection, {
            wait: true,
            points: batch.map((p) => ({ id: p.id, vector: Array.from(p.vector), payload: { ...p.payload } })),
          }),
        );
      }
    });
  }

  search(request: SearchRequest): Promise<SearchHit[]> {
    return timed(this.logger, `search limit=${request.limit}`, async () => {
      validateQueryVector(request.vector, this.config.vectorSize);
      const { points } = await this.read('query', () =>
        this.client.query(this.collection, {
          query: Array.from(request.vector),
          limit: request.limit,
          filter: toQdrantFilter(request.filter),
          score_threshold: request.score_threshold,
          with_payload: request.with_payload ?? false,
          params: this.searchParams,
        }),
      );
      return points.map((p) =>
        request.with_payload
          ? { id: String(p.id), score: p.score, payload: p.payload as unknown as ChunkPayload }
          : { id: String(p.id), score: p.score },
      );
    });
  }

  retrieve(ids: readonly string[], options: { with_vector?: boolean } = {}): Promise<StoredPoint[]> {
    return timed(this.logger, `retrieve ${ids.length} ids`, async () => {
      validateIds(ids);
      if (ids.length === 0) return [];
      const records = await this.read('retrieve', () =>
        this.client.retrieve(this.collection, {
          ids: [...ids],
          with_payload: true,
          with_vector: options.with_vector ?? false,
        }),
      );
      return records.map((r) => toStoredPoint(r, options.with_vector));
    });
  }

  setPayload(id: string, payload: ChunkPayload): Promise<void> {
    return timed(this.logger, 'setPayload', async () => {
      validateIds([id], 'id');
      // Overwriting a missing point would be a no-op in Qdrant too, but only with a filter:
      // an explicit id list that misses answers 404, so go through has_id.
      await this.write('overwrite payload', () =>
        this.client.overwritePayload(this.collection, {
          wait: true,
          filter: { must: [{ has_id: [id] }] },
          payload: { ...payload },
        }),
      );
    });
  }

  deleteByIds(ids: readonly string[]): Promise<void> {
    return timed(this.logger, `deleteByIds ${ids.length} ids`, async () => {
      validateIds(ids);
      if (ids.length === 0) return;
      await this.write('delete points', () =>
        this.client.delete(this.collection, { wait: true, points: [...ids] }),
      );
    });
  }

  deleteByFilter(filter: VectorFilter): Promise<void> {
    return timed(this.logger, 'deleteByFilter', async () => {
      // No condition would mean "every point": never let a missing filter wipe the collection.
      const qdrantFilter = toQdrantFilter(filter) ?? { must: [{ has_id: [] }] };
      await this.write('delete points', () =>
        this.client.delete(this.collection, { wait: true, filter: qdrantFilter }),
      );
    });
  }

  scroll(request: ScrollRequest): Promise<ScrollPage> {
    return timed(this.logger, `scroll limit=${request.limit}`, async () => {
      const page = await this.read('scroll', () =>
        this.client.scroll(this.collection, {
          limit: request.limit,
          offset: request.offset ?? undefined,
          filter: toQdrantFilter(request.filter),
          with_payload: true,
          with_vector: request.with_vector ?? false,
        }),
      );
      // UUID ids only (validated on write), so the next offset is a UUID string.
      const next = page.next_page_offset as string | null | undefined;
      return {
        points: page.points.map((r) => toStoredPoint(r, request.with_vector)),
        next_offset: next ?? null,
      };
    });
  }

  override scrollIds(
    request: Omit<ScrollRequest, 'with_vector'>,
  ): Promise<{ ids: string[]; next_offset: string | null }> {
    return timed(this.logger, `scrollIds limit=${request.limit}`, async () => {
      const page = await this.read('scroll', () =>
        this.client.scroll(this.collection, {
          limit: request.limit,
          offset: request.offset ?? undefined,
          filter: toQdrantFilter(request.filter),
          with_payload: false,
          with_vector: false,
        }),
      );
      return {
        ids: page.points.map((r) => String(r.id)),
        next_offset: (page.next_page_offset as string | null | undefined) ?? null,
      };
    });
  }

  count(filter?: VectorFilter): Promise<number> {
    return timed(this.logger, 'count', async () => {
      const result = await this.read('count', () =>
        this.client.count(this.collection, { filter: toQdrantFilter(filter), exact: true }),
      );
      return result.count;
    });
  }

  async collectionInfo(): Promise<CollectionInfo | null> {
    try {
      return toCollectionInfo(this.collection, await this.client.getCollection(this.collection));
    } catch (error) {
      if (httpStatus(error) === 404) return null;
      throw toVectorStoreError(error, 'get collection');
    }
  }

  onCollection(name: string): Promise<VectorStore> {
    return Promise.resolve(new QdrantVectorStore({ ...this.config, collection: name }));
  }

  servingCollection(): Promise<string | null> {
    return timed(this.logger, 'servingCollection', async () => {
      const { aliases } = await this.call('list aliases', () => this.client.getAliases());
      const target = aliases.find((a) => a.alias_name === this.collection)?.collection_name;
      if (target) return target;
      const { exists } = await this.call('collection exists', () =>
        this.client.collectionExists(this.collection),
      );
      return exists ? this.collection : null;
    });
  }

  listCollections(): Promise<CollectionSummary[]> {
    return timed(this.logger, 'listCollections', async () => {
      const [{ collections }, { aliases }] = await Promise.all([
        this.call('list collections', () => this.client.getCollections()),
        this.call('list aliases', () => this.client.getAliases()),
      ]);
      return collections
        .map(({ name }) => ({
          name,
          aliases: aliases.filter((a) => a.collection_name === name).map((a) => a.alias_name),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  switchAlias(collection: string): Promise<void> {
    return timed(this.logger, `switchAlias ${this.collection} -> ${collection}`, async () => {
      if (collection === this.collection) refuseSelfAlias(collection);
      const { aliases } = await this.call('list aliases', () => this.client.getAliases());
      if (!aliases.some((a) => a.alias_name === this.collection)) await this.releasePlainName(collection);
      // One create_alias action: it overwrites an existing alias, so every request sees either the
      // old target or the new one. Qdrant applies a list of actions one by one without rollback,
      // so [delete_alias, create_alias] would leave no alias at all when the create fails.
      await this.call('update aliases', () =>
        this.client.updateCollectionAliases({
          actions: [{ create_alias: { alias_name: this.collection, collection_name: collection } }],
        }),
      );
    });
  }

  /**
   * A plain collection holding the name (created before the first rebuild) must go before an
   * alias can take the name: Qdrant refuses an alias named like a collection. The alias follows
   * at once, and reads that land in between are retried by the read path (see `read`). The
   * target must exist before the name is given up, or nothing would serve.
   */
  private async releasePlainName(target: string): Promise<void> {
    const exists = async (name: string) =>
      (await this.call('collection exists', () => this.client.collectionExists(name))).exists;
    if (!(await exists(target))) {
      throw new VectorStoreError('COLLECTION_MISSING', `Collection ${target} does not exist; not switching`);
    }
    if (await exists(this.collection)) {
      await this.call('delete plain collection', () => this.client.deleteCollection(this.collection));
    }
  }

  dropCollection(name: string): Promise<void> {
    return timed(this.logger, `dropCollection ${name}`, async () => {
      if (name === this.collection || name === (await this.servingCollection())) refuseDropServing(name);
      await this.call('delete collection', () => this.client.deleteCollection(name));
    });
  }

  async health(): Promise<VectorStoreHealth> {
    const started = performance.now();
    try {
      const info = await this.collectionInfo();
      if (!info) return { status: 'down', reason: 'collection_missing' };
      if (info.distance !== 'Cosine') return { status: 'down', reason: 'distance_mismatch' };
      if (info.vector_size !== this.config.vectorSize) return { status: 'down', reason: 'size_mismatch' };
      return {
        status: 'up',
        collection: this.collection,
        points_count: info.points_count,
        latency_ms: Math.round(performance.now() - started),
      };
    } catch (error) {
      return { status: 'down', reason: downReason(toVectorStoreError(error, 'health')) };
    }
  }

  private collectionSpec(): Schemas['CreateCollection'] {
    return {
      vectors: {
        size: this.config.vectorSize,
        distance: 'Cosine',
        hnsw_config: { m: this.config.hnswM, ef_construct: this.config.hnswEfConstruct },
      },
      ...(this.config.quantization === 'int8'
        ? { quantization_config: { scalar: { type: 'int8', always_ram: true } } }
        : {}),
    };
  }

  /**
   * A read that finds the collection missing is retried briefly: the first rebuild deletes the
   * plain collection and creates the alias in two requests, and a search landing between them
   * should wait a moment rather than fail. A collection that is really gone still fails, later.
   *
   * A read whose socket breaks under it is sent once more at once: the client keeps idle sockets
   * 10 s, Qdrant closes them after 5 s without announcing it, so a read can go out on a socket
   * the server is closing. Reads change nothing, so resending is safe; writes are not resent here.
   */
  private async read<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const once = async () => {
      try {
        return await fn();
      } catch (error) {
        if (!isSocketError(error)) throw error;
        return fn();
      }
    };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call(operation, once);
      } catch (error) {
        const missing = (error as VectorStoreError).code === 'COLLECTION_MISSING';
        if (!missing || attempt === MISSING_RETRY_DELAYS_MS.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, MISSING_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  /**
   * A write that must be applied: a 2xx whose `UpdateResult.status` is not `completed`
   * (`acknowledged`: only queued in the WAL; `wait_timeout`: not applied within the timeout) is
   * not yet searchable, so it fails rather than counting as done.
   */
  private async write(operation: string, fn: () => Promise<Schemas['UpdateResult']>): Promise<void> {
    const result = await this.call(operation, fn);
    if (result.status === 'completed') return;
    throw new VectorStoreError(
      result.status === 'wait_timeout' ? 'VECTOR_STORE_TIMEOUT' : 'VECTOR_STORE_UNAVAILABLE',
      `Qdrant ${operation} failed: the server answered ${result.status}, not completed, so the change ` +
        'is not known to be applied',
    );
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toVectorStoreError(error, operation);
    }
  }
}

/** An API key over plain HTTP to another machine can be read by anyone on the path. */
function refuseKeyInClear(config: QdrantStoreConfig): void {
  const url = new URL(config.url);
  if (config.apiKey && url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !config.allowInsecure) {
    throw new ConfigValidationError(
      'Invalid configuration: QDRANT_API_KEY would be sent over plain HTTP to a non-loopback host; ' +
        'use an https:// QDRANT_URL or set QDRANT_ALLOW_INSECURE=true',
    );
  }
}

function refuseMismatch(info: CollectionInfo, vectorSize: number): void {
  if (info.vector_size === vectorSize && info.distance === 'Cosine') return;
  throw new VectorStoreError(
    'COLLECTION_MISMATCH',
    `Collection ${info.name} exists with vector size ${info.vector_size} and distance ${info.distance}, ` +
      `but the configuration asks for size ${vectorSize} and distance Cosine; it is never dropped or ` +
      'recreated implicitly: point QDRANT_COLLECTION elsewhere or migrate it',
  );
}

function toCollectionInfo(name: string, info: Schemas['CollectionInfo']): CollectionInfo {
  const vectors = info.config.params.vectors;
  // A collection of named vectors has no single size; report 0 so it reads as a mismatch.
  const single = vectors && 'size' in vectors ? (vectors as Schemas['VectorParams']) : undefined;
  const hnsw = (single?.hnsw_config ?? info.config.hnsw_config) as
    { m?: number | null; ef_construct?: number | null } | undefined;
  const quantization = single?.quantization_config ?? info.config.quantization_config;
  return {
    name,
    vector_size: Number(single?.size ?? 0),
    distance: single?.distance ?? 'Cosine',
    points_count: info.points_count ?? 0,
    status: info.status,
    payload_indexes: Object.keys(info.payload_schema ?? {}),
    hnsw: { m: hnsw?.m ?? undefined, ef_construct: hnsw?.ef_construct ?? undefined },
    quantization: quantization ? Object.keys(quantization)[0] : null,
  };
}

function toStoredPoint(record: Schemas['Record'], withVector?: boolean): StoredPoint {
  const point: StoredPoint = { id: String(record.id), payload: record.payload as unknown as ChunkPayload };
  if (withVector && Array.isArray(record.vector)) point.vector = Float32Array.from(record.vector as number[]);
  return point;
}
