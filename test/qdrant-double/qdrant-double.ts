import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { VectorIndex, normalised } from '../../src/vectors/local/vector-index';
import { compileQdrantFilter, UnsupportedByDouble } from './qdrant-filter-evaluator';
import { OpenApiValidator, SpecViolation } from './openapi-validator';

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
  /** When set, every route but `/` demands this `api-key` header and answers 401 otherwise. */
  apiKey?: string;
  /** Also accepted, like Qdrant's read-only key: reads pass, writes answer 403. */
  readOnlyApiKey?: string;
}

export interface QdrantDouble {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  inject(operationId: string, fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

interface Collection {
  size: number;
  distance: string;
  hnsw: Json;
  quantization: Json | null;
  payloadSchema: Record<string, { data_type: string; params: Json; points: number }>;
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
    (ctx: { params: Record<string, string>; query: Json; body: Json }) => unknown
  > = {
    root: () => ({ title: 'qdrant - vector search engine', version: '1.18.3' }),
    create_collection: ({ params, body }) => {
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
      collections.set(params.collection_name, {
        size: vectors.size,
        distance: vectors.distance as string,
        hnsw: {
          m: 16,
          ef_construct: 100,
          full_scan_threshold: 10000,
          ...(body.hnsw_config as Json),
          ...(vectors.hnsw_config as Json),
        },
        quantization: ((vectors.quantization_config ?? body.quantization_config) as Json) ?? null,
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
    get_collections: () => ({ collections: [...collections.keys()].map((name) => ({ name })) }),
    get_collections_aliases: () => ({ aliases: aliasList() }),
    get_collection_aliases: ({ params }) => ({
      aliases: aliasList().filter((a) => a.collection_name === params.collection_name),
    }),
    // Every action is checked against the state the previous ones leave, then all apply at once.
    update_aliases: ({ body }) => {
      const next = new Map(aliases);
      for (const action of body.actions as Json[]) {
        const create = action.create_alias as { alias_name: string; collection_name: string } | undefined;
        const remove = action.delete_alias as { alias_name: string } | undefined;
        const rename = action.rename_alias as { old_alias_name: string; new_alias_name: string } | undefined;
        if (create) {
          if (!collections.has(create.collection_name))
            throw new QdrantError(404, `Not found: Collection \`${create.collection_name}\` doesn't exist!`);
          if (collections.has(create.alias_name))
            throw new QdrantError(409, `Wrong input: Collection \`${create.alias_name}\` already exists!`);
          next.set(create.alias_name, create.collection_name);
        } else if (remove) {
          next.delete(remove.alias_name);
        } else if (rename) {
          const target = next.get(rename.old_alias_name);
          if (target === undefined)
            throw new QdrantError(404, `Not found: Alias ${rename.old_alias_name} does not exists!`);
          next.delete(rename.old_alias_name);
          next.set(rename.new_alias_name, target);
        }
      }
      aliases.clear();
      next.forEach((target, alias) => aliases.set(alias, target));
      return true;
    },
    collection_exists: ({ params }) => ({ exists: collections.has(params.collection_name) }),
    get_collection: ({ params }) => collectionInfo(collectionOf(params)),
    create_field_index: ({ params, query, body }) => {
      const c = collectionOf(params);
      const schema = body.field_schema as string | Json;
      const type = typeof schema === 'string' ? schema : (schema.type as string);
      c.payloadSchema[body.field_name as string] = {
        data_type: type,
        params: typeof schema === 'string' ? {} : schema,
        points: c.index.size,
      };
      return updateResult(query);
    },
    upsert_points: ({ params, query, body }) => {
      const c = collectionOf(params);
      const points = body.points
        ? (body.points as { id: unknown; vector: unknown; payload?: Payload }[])
        : batchPoints(body.batch as Json);
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
      const ids = body.filter
        ? c.index.matchingIds(compileQdrantFilter(body.filter as Json))
        : (body.points as unknown[]).map(pointId);
      ids.forEach((id) => c.index.delete(id));
      return updateResult(query);
    },
    overwrite_payload: ({ params, query, body }) => {
      const c = collectionOf(params);
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
    count_points: ({ params, body }) => ({
      count: collectionOf(params).index.count(compileQdrantFilter(body.filter as Json)),
    }),
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

  function aliasList(): { alias_name: string; collection_name: string }[] {
    return [...aliases].map(([alias_name, collection_name]) => ({ alias_name, collection_name }));
  }

  function updateResult(query: Json): Json {
    return { operation_id: operationCounter++, status: query.wait === true ? 'completed' : 'acknowledged' };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://double');
    let body: unknown;
    let badJson: string | undefined;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch (error) {
      badJson = (error as Error).message;
    }
    const matched = (() => {
      try {
        return validator.match(req.method ?? 'GET', url.pathname, url.searchParams);
      } catch (error) {
        return error as SpecViolation;
      }
    })();
    const operationId = matched && !(matched instanceof SpecViolation) ? matched.operation.id : null;
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      operationId,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    });

    const fault = operationId ? faults.get(operationId) : undefined;
    if (fault) {
      if (fault.times !== undefined && --fault.times <= 0) faults.delete(operationId!);
      if (fault.latencyMs) await delay(fault.latencyMs);
      if (fault.drop) return void req.socket.destroy();
      if (fault.status)
        return send(res, fault.status, {
          status: { error: fault.message ?? `Injected fault ${fault.status}` },
          time: 0,
        });
    }
    if (options.apiKey && url.pathname !== '/') {
      const key = req.headers['api-key'];
      const readOnly = options.readOnlyApiKey !== undefined && key === options.readOnlyApiKey;
      if (key !== options.apiKey && !readOnly) {
        res.writeHead(401, { 'content-type': 'text/plain' });
        return void res.end(
          key ? 'Invalid API key or JWT' : 'Must provide an API key or an Authorization bearer token',
        );
      }
      if (readOnly && req.method !== 'GET' && !READ_OPERATIONS.has(operationId ?? '')) {
        return send(res, 403, { status: { error: 'Forbidden: Write access denied' }, time: 0 });
      }
    }
    if (matched === null) return send(res, 404, undefined);
    try {
      if (matched instanceof SpecViolation) throw matched;
      if (badJson !== undefined) throw new SpecViolation(400, `Format error in JSON body: ${badJson}`);
      validator.checkBody(matched.operation, body);
      const result = handlers[matched.operation.id]?.({
        params: matched.params,
        query: matched.query,
        body: (body ?? {}) as Json,
      });
      if (result === undefined)
        throw new UnsupportedByDouble(`${matched.operation.id} is not implemented by the double`);
      if (matched.operation.id === 'root') return send(res, 200, result);
      send(res, 200, { result, status: 'ok', time: (performance.now() - started) / 1000 });
    } catch (error) {
      const status =
        error instanceof SpecViolation || error instanceof QdrantError
          ? error.status
          : error instanceof UnsupportedByDouble
            ? 501
            : 500;
      send(res, status, { status: { error: (error as Error).message }, time: 0 });
    }
  }

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => void handle(req, res, raw));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
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
    close: () =>
      new Promise<void>((resolve) => {
        // An injected latency must not outlive the double (it would keep the test process alive).
        delays.forEach((end) => end());
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
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
          ...(c.quantization ? { quantization_config: c.quantization } : {}),
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
    },
    payload_schema: c.payloadSchema,
  };
}
