import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { VectorIndex, normalised } from '../../src/vectors/local/vector-index';
import { compileQdrantFilter, UnsupportedByDouble } from './qdrant-filter-evaluator';
import { OpenApiValidator, SpecViolation } from './openapi-validator';
import { authenticate, type Access } from './auth';
import { checkIndexedFilter, checkLimit, StrictModeViolation, type StrictModeConfig } from './strict-mode';

type Json = Record<string, unknown>;
type Payload = Record<string, unknown>;

/** What to do to requests for one operation (by the spec's operationId, e.g. `query_points`). */
export interface Fault {
  /** Answer this HTTP status with Qdrant's error envelope. */
  status?: number;
  message?: string;
  /** Wait this long before answering (or before failing). */
  latencyMs?: number;
  /** Destroy the connection without answering. */
  drop?: boolean;
  /** Apply to this many requests, then recover; unlimited when absent. */
  times?: number;
  /**
   * Carry the request out first, then apply the latency or failure: what a client sees when a
   * change is applied after it gave up (e.g. an alias switch waiting for consensus).
   */
  afterApply?: boolean;
  /** Extra response headers with an injected status, e.g. `retry-after` with a 429. */
  headers?: Record<string, string>;
  /** Answer a write 200 with this `UpdateResult.status` instead of the one `wait` asks for. */
  updateStatus?: 'acknowledged' | 'wait_timeout';
}

export interface RecordedRequest {
  method: string;
  path: string;
  operationId: string | null;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface QdrantDoubleOptions {
  /**
   * When set, every route but `/` demands this `api-key` header (or a JWT signed with it, as
   * with `service.jwt_rbac: true`) and answers 401 otherwise.
   */
  apiKey?: string;
  /** Also accepted, like Qdrant's read-only key: reads pass, writes answer 403. */
  readOnlyApiKey?: string;
  /** `service.max_request_size_mb`: bodies over this many bytes are refused (default 32 MiB). */
  maxRequestBytes?: number;
  /** `service.http_keep_alive_timeout_sec`: idle sockets are closed after this long (default 5 s). */
  keepAliveTimeoutMs?: number;
  /** Strict mode given to every collection created without its own `strict_mode_config`. */
  strictMode?: StrictModeConfig;
}

/** Qdrant's defaults (`config/config.yaml`): 32 MiB bodies, 5 s keep-alive. */
export const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;
const DEFAULT_KEEP_ALIVE_MS = 5_000;

export interface QdrantDouble {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  inject(operationId: string, fault: Fault): void;
  clearFaults(): void;
  /** alias → collection, as the double holds them now. */
  aliases(): Record<string, string>;
  close(): Promise<void>;
}

interface Collection {
  size: number;
  distance: string;
  /** The collection level, which keeps Qdrant's defaults unless the body's `hnsw_config` sets them. */
  hnsw: Json;
  /** What `vectors.hnsw_config` asked for, reported under `params.vectors` only. */
  vectorHnsw: Json | null;
  quantization: Json | null;
  vectorQuantization: Json | null;
  strictMode: StrictModeConfig | null;
  payloadSchema: Record<string, { data_type: string; params?: Json; points: number }>;
  index: VectorIndex<Payload>;
}

class QdrantError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const validator = new OpenApiValidator();

/** POST operations that only read, which a read-only key may call. */
const READ_OPERATIONS = new Set([
  'query_points',
  'query_batch_points',
  'get_points',
  'scroll_points',
  'count_points',
]);

/** Operations that need global manage access (`lib/storage/src/rbac/ops_checks.rs`). */
const GLOBAL_OPERATIONS = new Set([
  'create_collection',
  'delete_collection',
  'update_collection',
  'update_aliases',
]);

/** Operations that answer an `UpdateResult`, whose status a fault may override. */
const UPDATE_OPERATIONS = new Set([
  'upsert_points',
  'delete_points',
  'overwrite_payload',
  'set_payload',
  'create_field_index',
  'delete_field_index',
]);

/**
 * Starts a stand-in for Qdrant 1.18.3 on a random loopback port: every request is checked
 * against the vendored OpenAPI spec and rejected as Qdrant would (its error envelope, 400 or
 * 422), answers use Qdrant's envelope, and points are scored by the embedded store's engine.
 * Faults can be injected per operation, and every request is recorded.
 */
export async function startQdrantDouble(options: QdrantDoubleOptions = {}): Promise<QdrantDouble> {
  const collections = new Map<string, Collection>();
  /** alias name → collection name; every collection path resolves through it, as in Qdrant. */
  const aliases = new Map<string, string>();
  const faults = new Map<string, Fault>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const busy = new Set<Socket>();
  const idleTimers = new WeakMap<Socket, NodeJS.Timeout>();
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_MS;
  /** Pending injected latencies, each ended early by close(). */
  const delays = new Set<() => void>();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        delays.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      delays.add(end);
    });
  let operationCounter = 0;

  const handlers: Record<
    string,
    (ctx: {
      params: Record<string, string>;
      query: Json;
      body: Json;
      visible: (name: string) => boolean;
    }) => unknown
  > = {
    root: () => ({ title: 'qdrant - vector search engine', version: '1.18.3' }),
    create_collection: ({ params, body }) => {
      // `CollectionPath` in `src/actix/api/mod.rs`: creation validates the name's length (1-255).
      if (params.collection_name.length > 255) {
        throw new QdrantError(
          422,
          'Validation error in path parameters: [name: value must be between 1 and 255 characters long]',
        );
      }
      if (collections.has(params.collection_name)) {
        throw new QdrantError(409, `Wrong input: Collection \`${params.collection_name}\` already exists!`);
      }
      if (aliases.has(params.collection_name)) {
        throw new QdrantError(
          400,
          `Wrong input: Can't create collection with name ${params.collection_name}. Alias with the same name already exists`,
        );
      }
      const vectors = body.vectors as Json;
      if (typeof vectors?.size !== 'number')
        throw new UnsupportedByDouble('named vectors are not implemented by the double');
      const strict = (body.strict_mode_config as StrictModeConfig | undefined) ?? options.strictMode;
      collections.set(params.collection_name, {
        size: vectors.size,
        distance: vectors.distance as string,
        // As the server reports it: the collection level keeps its defaults and the vector's own
        // HNSW and quantization appear under `params.vectors` only (`lib/collection/src/config.rs`).
        hnsw: { m: 16, ef_construct: 100, full_scan_threshold: 10000, ...(body.hnsw_config as Json) },
        vectorHnsw: (vectors.hnsw_config as Json | undefined) ?? null,
        quantization: (body.quantization_config as Json | undefined) ?? null,
        vectorQuantization: (vectors.quantization_config as Json | undefined) ?? null,
        strictMode: strict?.enabled ? strict : null,
        payloadSchema: {},
        index: new VectorIndex<Payload>(vectors.size),
      });
      return true;
    },
    // By exact name (an alias name deletes nothing), taking the collection's aliases with it.
    delete_collection: ({ params }) => {
      for (const [alias, target] of aliases) if (target === params.collection_name) aliases.delete(alias);
      return collections.delete(params.collection_name);
    },
    // A collection-scoped key sees only its collections (`lib/storage/src/rbac/mod.rs`).
    get_collections: ({ visible }) => ({
      collections: [...collections.keys()].filter(visible).map((name) => ({ name })),
    }),
    get_collections_aliases: ({ visible }) => ({
      aliases: aliasList().filter((a) => visible(a.collection_name)),
    }),
    get_collection_aliases: ({ params }) => ({
      aliases: aliasList().filter((a) => a.collection_name === params.collection_name),
    }),
    // The server applies the actions one by one and keeps what succeeded: a failing action leaves
    // the earlier ones applied, with no rollback (`lib/storage/src/content_manager/toc/
    // collection_meta_ops.rs` `update_aliases`, `alias_mapping.rs`). `create_alias` onto an
    // existing alias overwrites it (a map insert), so one action switches an alias.
    update_aliases: ({ body }) => {
      for (const action of body.actions as Json[]) {
        const create = action.create_alias as { alias_name: string; collection_name: string } | undefined;
        const remove = action.delete_alias as { alias_name: string } | undefined;
        const rename = action.rename_alias as { old_alias_name: string; new_alias_name: string } | undefined;
        if (create) {
          if (!collections.has(create.collection_name))
            throw new QdrantError(404, `Not found: Collection \`${create.collection_name}\` doesn't exist!`);
          if (collections.has(create.alias_name))
            throw new QdrantError(409, `Wrong input: Collection \`${create.alias_name}\` already exists!`);
          aliases.set(create.alias_name, create.collection_name);
        } else if (remove) {
          aliases.delete(remove.alias_name); // `AliasPersistence::remove`: a missing alias is no error
        } else if (rename) {
          const target = aliases.get(rename.old_alias_name);
          if (target === undefined)
            throw new QdrantError(404, `Not found: Alias ${rename.old_alias_name} does not exists!`);
          aliases.delete(rename.old_alias_name);
          aliases.set(rename.new_alias_name, target);
        }
      }
      return true;
    },
    // Resolves aliases like every collection path (`toc/mod.rs` `resolve_name`).
    collection_exists: ({ params }) => ({
      exists: collections.has(aliases.get(params.collection_name) ?? params.collection_name),
    }),
    get_collection: ({ params }) => collectionInfo(collectionOf(params)),
    create_field_index: ({ params, query, body }) => {
      const c = collectionOf(params);
      const schema = body.field_schema as string | Json;
      const type = typeof schema === 'string' ? schema : (schema.type as string);
      // A bare type name gets no `params` in `payload_schema` (`PayloadIndexInfo`).
      c.payloadSchema[body.field_name as string] = {
        data_type: type,
        ...(typeof schema === 'string' ? {} : { params: schema }),
        points: c.index.size,
      };
      return updateResult(query);
    },
    upsert_points: ({ params, query, body }) => {
      const c = collectionOf(params);
      const points = body.points
        ? (body.points as { id: unknown; vector: unknown; payload?: Payload }[])
        : batchPoints(body.batch as Json);
      checkLimit(points.length, c.strictMode?.upsert_max_batchsize, 'upsert limit');
      for (const p of points) vectorFor(c, p.vector);
      for (const p of points) c.index.upsert(pointId(p.id), p.vector as number[], p.payload ?? {});
      return updateResult(query);
    },
    get_points: ({ params, body }) => {
      const c = collectionOf(params);
      const ids = [...new Set((body.ids as unknown[]).map(pointId))];
      return ids.flatMap((id) => {
        const point = c.index.get(id);
        return point ? [record(point, body.with_payload ?? true, body.with_vector ?? false)] : [];
      });
    },
    delete_points: ({ params, query, body }) => {
      const c = collectionOf(params);
      strictWrite(c, body.filter as Json);
      const ids = body.filter
        ? c.index.matchingIds(compileQdrantFilter(body.filter as Json))
        : (body.points as unknown[]).map(pointId);
      ids.forEach((id) => c.index.delete(id));
      return updateResult(query);
    },
    overwrite_payload: ({ params, query, body }) => {
      const c = collectionOf(params);
      strictWrite(c, body.filter as Json);
      const ids = body.filter
        ? c.index.matchingIds(compileQdrantFilter(body.filter as Json))
        : (body.points as unknown[]).map(pointId);
      for (const id of ids) {
        if (!c.index.setPayload(id, body.payload as Payload))
          throw new QdrantError(404, `Not found: No point with id ${id} found`);
      }
      return updateResult(query);
    },
    scroll_points: ({ params, body }) => {
      const c = collectionOf(params);
      strictRead(c, body.filter as Json, (body.limit as number | undefined) ?? 10);
      const page = c.index.scroll(
        (body.limit as number | undefined) ?? 10,
        body.offset == null ? null : pointId(body.offset),
        compileQdrantFilter(body.filter as Json),
      );
      return {
        points: page.points.map((p) => record(p, body.with_payload ?? true, body.with_vector ?? false)),
        next_page_offset: page.next,
      };
    },
    count_points: ({ params, body }) => {
      const c = collectionOf(params);
      strictRead(c, body.filter as Json);
      return { count: c.index.count(compileQdrantFilter(body.filter as Json)) };
    },
    query_points: ({ params, body }) => {
      const c = collectionOf(params);
      if (c.distance !== 'Cosine')
        throw new UnsupportedByDouble('only Cosine collections can be searched in the double');
      const raw =
        body.query && typeof body.query === 'object' && 'nearest' in body.query
          ? (body.query as Json).nearest
          : body.query;
      if (!Array.isArray(raw))
        throw new UnsupportedByDouble('only nearest-vector queries are implemented by the double');
      const limit = (body.limit as number | undefined) ?? 10;
      const offset = (body.offset as number | undefined) ?? 0;
      strictRead(c, body.filter as Json, limit + offset);
      const search = body.params as
        { hnsw_ef?: number; quantization?: { oversampling?: number } } | undefined;
      checkLimit(search?.hnsw_ef, c.strictMode?.search_max_hnsw_ef, 'hnsw_ef');
      checkLimit(search?.quantization?.oversampling, c.strictMode?.search_max_oversampling, 'oversampling');
      const hits = c.index.search(
        normalised(vectorFor(c, raw)),
        limit + offset,
        compileQdrantFilter(body.filter as Json),
        (body.score_threshold as number | undefined) ?? -Infinity,
      );
      return {
        points: hits.slice(offset).map((hit) => ({
          id: hit.id,
          version: 0,
          score: hit.score,
          ...(body.with_payload ? { payload: hit.payload } : {}),
          ...(body.with_vector ? { vector: Array.from(c.index.get(hit.id)!.vector) } : {}),
        })),
      };
    },
  };

  function collectionOf(params: Record<string, string>): Collection {
    const c = collections.get(aliases.get(params.collection_name) ?? params.collection_name);
    if (!c) throw new QdrantError(404, `Not found: Collection \`${params.collection_name}\` doesn't exist!`);
    return c;
  }

  /** Strict mode on a read (`verification/query.rs`, `count.rs`): query limit, indexed filter keys. */
  function strictRead(c: Collection, filter: Json | undefined, limit?: number): void {
    if (!c.strictMode) return;
    checkLimit(limit, c.strictMode.max_query_limit, 'limit');
    checkIndexedFilter(
      filter,
      c.strictMode.unindexed_filtering_retrieve,
      (key) => c.payloadSchema[key]?.data_type,
    );
  }

  /** Strict mode on a filtered write (`verification/update.rs`). */
  function strictWrite(c: Collection, filter: Json | undefined): void {
    if (!c.strictMode) return;
    checkIndexedFilter(
      filter,
      c.strictMode.unindexed_filtering_update,
      (key) => c.payloadSchema[key]?.data_type,
    );
  }

  function aliasList(): { alias_name: string; collection_name: string }[] {
    return [...aliases].map(([alias_name, collection_name]) => ({ alias_name, collection_name }));
  }

  function updateResult(query: Json): Json {
    return { operation_id: operationCounter++, status: query.wait === true ? 'completed' : 'acknowledged' };
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    bytes: number,
  ): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://double');
    const matched = (() => {
      try {
        return validator.match(req.method ?? 'GET', url.pathname, url.searchParams);
      } catch (error) {
        return error as SpecViolation;
      }
    })();
    const operationId = matched && !(matched instanceof SpecViolation) ? matched.operation.id : null;
    // actix's JsonConfig limit (`service.max_request_size_mb`, `src/actix/mod.rs`) refuses the body
    // before it is parsed, with actix's own message and Qdrant's envelope.
    const tooLarge = bytes > maxRequestBytes;
    let body: unknown;
    let badJson: string | undefined;
    try {
      body = raw === '' || tooLarge ? undefined : JSON.parse(raw);
    } catch (error) {
      badJson = (error as Error).message;
    }
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      operationId,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    });
    if (tooLarge) {
      return send(res, 400, {
        status: {
          error: `JSON payload (${bytes} bytes) is larger than allowed (limit: ${maxRequestBytes} bytes).`,
        },
        time: 0,
      });
    }

    const fault = operationId ? faults.get(operationId) : undefined;
    if (fault) {
      if (fault.times !== undefined && --fault.times <= 0) faults.delete(operationId!);
      if (!fault.afterApply) {
        const stop = await applyFault(fault, req, res);
        if (stop) return;
      }
    }
    const auth =
      options.apiKey && url.pathname !== '/'
        ? authenticate(req.headers, { apiKey: options.apiKey, readOnlyApiKey: options.readOnlyApiKey })
        : ({ kind: 'manage' } as Access);
    if ('unauthorized' in auth) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      return void res.end(auth.unauthorized);
    }
    if (matched === null) return send(res, 404, undefined);
    try {
      if (matched instanceof SpecViolation) throw matched;
      if (badJson !== undefined) throw new SpecViolation(400, `Format error in JSON body: ${badJson}`);
      validator.checkBody(matched.operation, body);
      authorize(auth, matched.operation.id, req.method ?? 'GET', matched.params.collection_name);
      let result = handlers[matched.operation.id]?.({
        params: matched.params,
        query: matched.query,
        body: (body ?? {}) as Json,
        visible: (name) => auth.kind !== 'collections' || auth.rights.has(name),
      });
      if (result === undefined)
        throw new UnsupportedByDouble(`${matched.operation.id} is not implemented by the double`);
      if (fault?.updateStatus && UPDATE_OPERATIONS.has(matched.operation.id)) {
        result = { ...(result as Json), status: fault.updateStatus };
      }
      if (fault?.afterApply && (await applyFault(fault, req, res))) return;
      if (matched.operation.id === 'root') return send(res, 200, result);
      send(res, 200, { result, status: 'ok', time: (performance.now() - started) / 1000 });
    } catch (error) {
      const status =
        error instanceof SpecViolation || error instanceof QdrantError || error instanceof StrictModeViolation
          ? error.status
          : error instanceof UnsupportedByDouble
            ? 501
            : 500;
      send(res, status, { status: { error: (error as Error).message }, time: 0 });
    }
  }

  /** Applies a fault's latency and failure; true when the request has been answered (or dropped). */
  async function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (fault.latencyMs) await delay(fault.latencyMs);
    if (fault.drop) {
      req.socket.destroy();
      return true;
    }
    if (!fault.status) return false;
    for (const [name, value] of Object.entries(fault.headers ?? {})) res.setHeader(name, value);
    send(res, fault.status, {
      status: { error: fault.message ?? `Injected fault ${fault.status}` },
      time: 0,
    });
    return true;
  }

  /**
   * Rights after `lib/storage/src/rbac/ops_checks.rs`. The collection is resolved first, so a
   * request on a missing collection answers 404 whatever the key may do (as the server does).
   */
  function authorize(
    auth: Access,
    operationId: string,
    method: string,
    collection: string | undefined,
  ): void {
    if (auth.kind === 'manage') return;
    const reads = method === 'GET' || READ_OPERATIONS.has(operationId);
    if (
      collection !== undefined &&
      operationId !== 'create_collection' &&
      operationId !== 'collection_exists'
    ) {
      collectionOf({ collection_name: collection });
    }
    if (auth.kind === 'read') {
      if (!reads) throw new QdrantError(403, 'Forbidden: Global manage access is required');
      return;
    }
    if (GLOBAL_OPERATIONS.has(operationId))
      throw new QdrantError(403, 'Forbidden: Global access is required');
    if (collection === undefined) return; // listings are filtered to what the key may see
    const right = auth.rights.get(collection);
    if (!right) throw new QdrantError(403, `Forbidden: Access to collection ${collection} is required`);
    if (!reads && right === 'r') {
      throw new QdrantError(403, `Forbidden: Write access to collection ${collection} is required`);
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    busy.add(req.socket);
    clearTimeout(idleTimers.get(req.socket));
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= maxRequestBytes) chunks.push(chunk);
    });
    req.on('end', () => void handle(req, res, Buffer.concat(chunks).toString('utf8'), bytes));
    // Idle from the last response on: the server closes the socket after the keep-alive timeout
    // without announcing it (actix sends no Keep-Alive header; `src/actix/mod.rs` keep_alive).
    res.on('finish', () => {
      busy.delete(req.socket);
      const socket = req.socket;
      idleTimers.set(
        socket,
        setTimeout(() => {
          if (!busy.has(socket)) socket.end();
        }, keepAliveTimeoutMs),
      );
    });
  });
  // Node's own keep-alive timer would add a `Keep-Alive: timeout=…` header the server never sends.
  server.keepAliveTimeout = 0;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      clearTimeout(idleTimers.get(socket));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inject: (operationId, fault) => {
      if (!validator.operations.some((op) => op.id === operationId))
        throw new Error(`no operation ${operationId} in the spec`);
      faults.set(operationId, { ...fault });
    },
    clearFaults: () => faults.clear(),
    aliases: () => Object.fromEntries(aliases),
    close: () =>
      new Promise<void>((resolve) => {
        // An injected latency must not outlive the double (it would keep the test process alive).
        delays.forEach((end) => end());
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

/**
 * Asked for gzip (what `fetch` asks by default), the server compresses every answer and sends it
 * chunked (actix's `Compress` middleware, `src/actix/mod.rs`); otherwise plain with a length.
 */
function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  if (!/\bgzip\b/.test(String(res.req.headers['accept-encoding'] ?? ''))) {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    return void res.end(text);
  }
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-encoding': 'gzip',
    vary: 'accept-encoding',
  });
  res.write(gzipSync(text));
  res.end();
}

function pointId(id: unknown): string {
  if (typeof id !== 'string')
    throw new UnsupportedByDouble('only UUID point ids are implemented by the double');
  return id.toLowerCase();
}

function vectorFor(c: Collection, vector: unknown): number[] {
  if (!Array.isArray(vector))
    throw new UnsupportedByDouble('only unnamed dense vectors are implemented by the double');
  if (vector.length !== c.size) {
    throw new QdrantError(
      400,
      `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${vector.length}`,
    );
  }
  return vector as number[];
}

function batchPoints(batch: Json): { id: unknown; vector: unknown; payload?: Payload }[] {
  const ids = batch.ids as unknown[];
  return ids.map((id, i) => ({
    id,
    vector: (batch.vectors as unknown[])[i],
    payload: (batch.payloads as Payload[] | undefined)?.[i],
  }));
}

function record(
  point: { id: string; payload: Payload; vector: Float32Array },
  withPayload: unknown,
  withVector: unknown,
): Json {
  return {
    id: point.id,
    ...(withPayload ? { payload: point.payload } : {}),
    ...(withVector ? { vector: Array.from(point.vector) } : {}),
  };
}

function collectionInfo(c: Collection): Json {
  return {
    status: 'green',
    optimizer_status: 'ok',
    segments_count: 1,
    points_count: c.index.size,
    indexed_vectors_count: 0,
    config: {
      params: {
        vectors: {
          size: c.size,
          distance: c.distance,
          ...(c.vectorHnsw ? { hnsw_config: c.vectorHnsw } : {}),
          ...(c.vectorQuantization ? { quantization_config: c.vectorQuantization } : {}),
        },
        shard_number: 1,
        replication_factor: 1,
        write_consistency_factor: 1,
        on_disk_payload: true,
      },
      hnsw_config: c.hnsw,
      optimizer_config: {
        deleted_threshold: 0.2,
        vacuum_min_vector_number: 1000,
        default_segment_number: 0,
        flush_interval_sec: 5,
      },
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
      quantization_config: c.quantization,
      ...(c.strictMode ? { strict_mode_config: c.strictMode } : {}),
    },
    payload_schema: c.payloadSchema,
  };
}
