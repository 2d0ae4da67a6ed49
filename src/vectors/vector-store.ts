/**
 * The vector store port. Postgres is the system of record; a vector store holds a rebuildable copy
 * of each chunk's embedding plus a payload for filtering, under point id = chunk_id. Callers speak
 * only these types: no adapter's wire format (Qdrant JSON) leaves its adapter.
 */

/** What a point carries besides its vector; field names match the Qdrant payload and the API. */
export interface ChunkPayload {
  chunk_id: string;
  text_content: string;
  document_reference: string;
  embedding_model: string;
  metadata: {
    page_reference: number | null;
    section_title: string | null;
    processing_version: string;
    chunk_index: number;
  };
}

export interface VectorPoint {
  /** UUID; equal to chunk_id. */
  id: string;
  vector: Float32Array | readonly number[];
  payload: ChunkPayload;
}

/** A filter in our own terms. Conditions combine with AND; an array means "any of". */
export interface VectorFilter {
  document_reference?: string | readonly string[];
  section_title?: string;
  /** Inclusive page range on metadata.page_reference. */
  page_from?: number;
  page_to?: number;
  processing_version?: string;
  /** Restrict to these point ids (selected-text retrieval, hydration checks). */
  ids?: readonly string[];
}

export interface SearchRequest {
  vector: Float32Array | readonly number[];
  limit: number;
  filter?: VectorFilter;
  /** Minimum cosine similarity; hits below it are not returned. */
  score_threshold?: number;
  with_payload?: boolean;
}

export interface SearchHit {
  id: string;
  /** Cosine similarity in [-1, 1], higher is closer. */
  score: number;
  payload?: ChunkPayload;
}

export interface StoredPoint {
  id: string;
  payload: ChunkPayload;
  vector?: Float32Array;
}

export interface ScrollRequest {
  limit: number;
  /** Opaque cursor from the previous page; absent for the first page. */
  offset?: string | null;
  filter?: VectorFilter;
  with_vector?: boolean;
}

export interface ScrollPage {
  points: StoredPoint[];
  next_offset: string | null;
}

export type Distance = 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';

export interface CollectionInfo {
  name: string;
  vector_size: number;
  distance: Distance;
  points_count: number;
  status: string;
  payload_indexes: string[];
  hnsw?: { m?: number; ef_construct?: number };
  quantization?: string | null;
}

/** A physical collection and the aliases that point at it. */
export interface CollectionSummary {
  name: string;
  aliases: string[];
}

export type VectorStoreHealth =
  | { status: 'up'; collection: string; points_count: number; latency_ms: number }
  | { status: 'down'; reason: VectorStoreDownReason };

export type VectorStoreDownReason =
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'collection_missing'
  | 'size_mismatch'
  | 'distance_mismatch'
  | 'error';

/**
 * The read side of the vector store, all the retrieval path needs. Its own token, so it can be
 * served with less privilege (Qdrant's read-only key, QDRANT_READ_API_KEY) than writes.
 */
export abstract class VectorSearch {
  abstract search(request: SearchRequest): Promise<SearchHit[]>;

  /** The points that exist among `ids` (missing ids are simply absent from the result). */
  abstract retrieve(ids: readonly string[], options?: { with_vector?: boolean }): Promise<StoredPoint[]>;
}

export abstract class VectorStore extends VectorSearch {
  /** `qdrant` or `embedded`, for logs and the start-up line. */
  abstract readonly kind: 'qdrant' | 'embedded';

  /**
   * Creates the configured collection and its payload indexes when missing; refuses (throws
   * VectorStoreError 'COLLECTION_MISMATCH') when it exists with another size or distance.
   * Never drops or recreates anything.
   */
  abstract ensureCollection(): Promise<CollectionInfo>;

  /** Idempotent by id: writing the same point twice leaves one point. Batched internally. */
  abstract upsert(points: readonly VectorPoint[]): Promise<void>;

  /** Replaces the payload of existing points (ids that do not exist are ignored). */
  abstract setPayload(id: string, payload: ChunkPayload): Promise<void>;

  abstract deleteByIds(ids: readonly string[]): Promise<void>;

  abstract deleteByFilter(filter: VectorFilter): Promise<void>;

  /** Pages through every point (ordered by id), for consistency checks and rebuilds. */
  abstract scroll(request: ScrollRequest): Promise<ScrollPage>;

  /**
   * The same pages, ids only: a sweep for orphaned points needs no payloads, and on Qdrant each
   * payload (the chunk text with it) would cross the network for nothing.
   */
  async scrollIds(
    request: Omit<ScrollRequest, 'with_vector'>,
  ): Promise<{ ids: string[]; next_offset: string | null }> {
    const page = await this.scroll(request);
    return { ids: page.points.map((p) => p.id), next_offset: page.next_offset };
  }

  abstract count(filter?: VectorFilter): Promise<number>;

  /** The configured collection's effective configuration, or null when it does not exist. */
  abstract collectionInfo(): Promise<CollectionInfo | null>;

  /** Reachable, authorised, and the collection exists with the configured size and distance. */
  abstract health(): Promise<VectorStoreHealth>;

  /*
   * Rebuild support. The configured name (QDRANT_COLLECTION) is what every operation above uses;
   * it is either a plain collection (as created by ensureCollection) or an alias to a physical
   * collection built by `vectors:rebuild`. Moving the alias is how a rebuild goes live.
   */

  /**
   * A store on the physical collection `name` of the same backend, with this store's settings
   * (VECTOR_SIZE, HNSW, quantization); its ensureCollection() creates it. A rebuild writes there.
   */
  abstract onCollection(name: string): Promise<VectorStore>;

  /** The physical collection the configured name reaches now (its alias target, or itself), or null. */
  abstract servingCollection(): Promise<string | null>;

  /** Every physical collection on the backend, with the aliases pointing at each. */
  abstract listCollections(): Promise<CollectionSummary[]>;

  /**
   * Points the configured name at the physical collection `collection`, in one atomic alias change.
   * A plain collection that holds the name (from before the first rebuild) is deleted first,
   * because an alias cannot share a collection's name.
   */
  abstract switchAlias(collection: string): Promise<void>;

  /** Deletes a physical collection; refuses (VECTOR_STORE_REJECTED) the one the configured name reaches. */
  abstract dropCollection(name: string): Promise<void>;

  /** Waits for pending writes and releases files or connections; the module calls it at shutdown. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
