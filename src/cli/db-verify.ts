import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  isLoopbackHost,
  loadDatabaseConfig,
  loadQdrantConfig,
  loadVectorsConfig,
  validateAllConfig,
  type DatabaseConfig,
  type QdrantConfig,
  type VectorsConfig,
} from '../../config';
import { readAliased } from '../../config/env';
import { ChunksService } from '../chunks/chunks.service';
import { describePostgresError } from '../database/postgres-errors';
import { resolveDatabaseServer } from '../database/database-server';
import { MIGRATIONS_GLOB, describeDatabase } from '../database/postgres-options';
import { ROLE_NAMES } from '../database/roles';
import { DocumentsService } from '../ingestion/documents.service';
import { IngestService } from '../ingestion/ingest.service';
import { qdrantHeaders } from '../vectors/qdrant/qdrant-connection';
import { PAYLOAD_INDEXES } from '../vectors/qdrant/qdrant-filter';
import { VectorStore } from '../vectors/vector-store';
import { vectorStoreInUse, vectorStoreOwner, withAppContext } from './app-context';
import { connectClient } from './pg-client';
import { runCli } from './run-cli';

type Status = 'PASS' | 'FAIL' | 'SKIP';
interface Check {
  name: string;
  status: Status;
  reason: string;
}

const MIN_SERVER_VERSION = 150000;
const REQUIRED_EXTENSIONS = ['pgcrypto', 'pg_trgm', 'citext'];
const APPEND_ONLY_TABLES = new Set(['audit_logs']);
const PROBE_WAIT_MS = 15_000;
const QDRANT_PROBE_TIMEOUT_MS = 5_000;

const pass = (name: string, reason: string): Check => ({ name, status: 'PASS', reason });
const fail = (name: string, reason: string): Check => ({ name, status: 'FAIL', reason });
const skip = (name: string, reason: string): Check => ({ name, status: 'SKIP', reason });

/**
 * `npm run db:verify`: checks a configured deployment (PostgreSQL, Qdrant, and a round trip
 * through the real ingest path) and prints one line per check with its reason. Exit code 0 only
 * when nothing failed; SKIP lines (not configured, not applicable) do not fail the run.
 * It never changes the schema: migrations are checked, not applied.
 */
/** The Qdrant settings and the collection they serve. */
type QdrantTarget = QdrantConfig & Pick<VectorsConfig, 'collection' | 'vectorSize'>;

async function main(): Promise<number> {
  process.env.MIGRATIONS_RUN = 'false';
  validateAllConfig();
  const database = loadDatabaseConfig();
  const { collection, vectorSize } = loadVectorsConfig();
  const qdrant: QdrantTarget = { ...loadQdrantConfig(), collection, vectorSize };
  const server = await resolveDatabaseServer({ share: true });
  const beside = vectorStoreOwner(server);
  const checks: Check[] = [];
  try {
    checks.push(...(await verifyPostgres(database, server.url)));
    checks.push(...(qdrant.url ? await verifyQdrant(qdrant, qdrant.url) : embeddedVectorStore()));
    if (beside) checks.push(await embeddedStoreOfService(beside));
    const blockers = checks.filter((c) => c.status === 'FAIL').map((c) => c.name);
    checks.push(
      blockers.length > 0
        ? skip('round trip', `not attempted: ${blockers.join(', ')} failed`)
        : beside
          ? skip(
              'round trip',
              vectorStoreInUse(
                beside,
                'stop the service to run the round trip; meanwhile GET /v1/admin/consistency',
              ),
            )
          : await withAppContext(server.url, roundTrip).catch((error: Error) =>
              fail('round trip', `the service did not start: ${firstLine(error)}`),
            ),
    );
  } finally {
    await server.embedded?.stop();
  }
  printTable(checks);
  return checks.some((c) => c.status === 'FAIL') ? 1 : 0;
}

async function verifyPostgres(config: DatabaseConfig, url: string): Promise<Check[]> {
  const where = describeDatabase(url);
  let client: Client;
  try {
    client = await connectClient(config, url, 'ragstore-db-verify');
  } catch (error) {
    const reason = describePostgresError(error);
    return [
      fail('postgres reachable', `${where}: ${reason}`),
      ...['postgres TLS', 'postgres version', 'migrations', 'extensions', 'app role privileges'].map((name) =>
        skip(name, 'PostgreSQL unreachable'),
      ),
    ];
  }
  try {
    const [{ user }] = (await client.query<{ user: string }>('SELECT current_user AS user')).rows;
    return [
      pass('postgres reachable', `${where} as ${user}`),
      await checkTls(client, url, config),
      await checkVersion(client),
      await checkMigrations(client),
      await checkExtensions(client),
      await checkRolePrivileges(client),
    ];
  } finally {
    await client.end();
  }
}

async function checkTls(client: Client, url: string, config: DatabaseConfig): Promise<Check> {
  const { rows } = await client.query<{ ssl: boolean | null }>(
    'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
  );
  const host = new URL(url).hostname;
  if (rows[0]?.ssl) {
    return pass(
      'postgres TLS',
      config.caFile
        ? 'TLS, certificate verified against DATABASE_CA_FILE'
        : `TLS (${new URL(url).searchParams.get('sslmode') ?? 'verified against the system CAs'})`,
    );
  }
  // Loopback traffic never leaves the machine; anything else carries credentials and data.
  return isLoopbackHost(host)
    ? pass('postgres TLS', `no TLS, acceptable: ${host} is loopback`)
    : fail('postgres TLS', `no TLS to non-loopback host ${host}: use sslmode=require or verify-full`);
}

async function checkVersion(client: Client): Promise<Check> {
  const { rows } = await client.query<{ num: string; version: string }>(
    `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version`,
  );
  const { num, version } = rows[0];
  return Number(num) >= MIN_SERVER_VERSION
    ? pass('postgres version', `${version} (at least 15 required)`)
    : fail('postgres version', `${version}: PostgreSQL 15 or newer is required`);
}

/** The migrations this build ships (`<timestamp>-<Name>.ts|js`) against typeorm_migrations. */
async function checkMigrations(client: Client): Promise<Check> {
  const shipped = new Map(
    readdirSync(dirname(MIGRATIONS_GLOB))
      .map((file) => /^(\d+)-(\w+)\.(ts|js)$/.exec(file))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [Number(m[1]), m[2]] as const),
  );
  const table = await client.query<{ exists: boolean }>(
    `SELECT to_regclass('typeorm_migrations') IS NOT NULL AS exists`,
  );
  if (!table.rows[0].exists)
    return fail('migrations', 'no typeorm_migrations table: run npm run migration:run');
  const applied = new Set(
    (await client.query<{ timestamp: string }>('SELECT timestamp FROM typeorm_migrations')).rows.map((r) =>
      Number(r.timestamp),
    ),
  );
  const pending = [...shipped].filter(([ts]) => !applied.has(ts)).map(([ts, name]) => `${ts}-${name}`);
  const unknown = [...applied].filter((ts) => !shipped.has(ts));
  if (pending.length > 0) return fail('migrations', `pending: ${pending.join(', ')} (npm run migration:run)`);
  if (unknown.length > 0) {
    return fail('migrations', `the database has migrations this build lacks: ${unknown.join(', ')}`);
  }
  return pass('migrations', `all ${shipped.size} applied`);
}

async function checkExtensions(client: Client): Promise<Check> {
  const { rows } = await client.query<{ extname: string }>(
    'SELECT extname FROM pg_extension WHERE extname = ANY($1)',
    [REQUIRED_EXTENSIONS],
  );
  const present = new Set(rows.map((r) => r.extname));
  const missing = REQUIRED_EXTENSIONS.filter((e) => !present.has(e));
  return missing.length === 0
    ? pass('extensions', REQUIRED_EXTENSIONS.join(', '))
    : fail('extensions', `missing: ${missing.join(', ')}`);
}

/** What `npm run db:roles` grants ragstore_app: DML everywhere, append-only audit, no DDL. */
async function checkRolePrivileges(client: Client): Promise<Check> {
  const role = ROLE_NAMES.app;
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (exists.rowCount === 0)
    return skip('app role privileges', `no ${role} role (npm run db:roles creates it)`);
  const { rows } = await client.query<{ table: string; dml: boolean; rewrite: boolean }>(
    `SELECT c.relname AS table,
            has_table_privilege($1, c.oid, 'SELECT') AND has_table_privilege($1, c.oid, 'INSERT') AS dml,
            has_table_privilege($1, c.oid, 'UPDATE') OR has_table_privilege($1, c.oid, 'DELETE')
              OR has_table_privilege($1, c.oid, 'TRUNCATE') AS rewrite
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`,
    [role],
  );
  const problems: string[] = [];
  for (const { table, dml, rewrite } of rows) {
    if (!dml) problems.push(`cannot read/insert ${table}`);
    if (APPEND_ONLY_TABLES.has(table) && rewrite) problems.push(`can update/delete ${table}`);
    if (!APPEND_ONLY_TABLES.has(table) && !rewrite) {
      problems.push(`cannot update/delete ${table}`);
    }
  }
  const ddl = await client.query<{ create: boolean }>(
    `SELECT has_schema_privilege($1, 'public', 'CREATE') AS create`,
    [role],
  );
  if (ddl.rows[0].create) problems.push('can create objects in schema public');
  return problems.length === 0
    ? pass('app role privileges', `${role}: DML on ${rows.length} tables, audit_logs append-only, no DDL`)
    : fail('app role privileges', `${role}: ${problems.join('; ')} (npm run db:roles fixes it)`);
}

/** The embedded store a running service owns, as that service's own probe sees it. */
async function embeddedStoreOfService(owner: { pid: number; serviceUrl?: string }): Promise<Check> {
  const name = 'embedded vector store';
  if (!owner.serviceUrl) return skip(name, `in use by another ragstore process (pid ${owner.pid})`);
  try {
    const response = await fetch(new URL('/db/status/qdrant', owner.serviceUrl), {
      signal: AbortSignal.timeout(QDRANT_PROBE_TIMEOUT_MS),
    });
    return response.ok
      ? pass(name, `the running service (pid ${owner.pid}) reports it up`)
      : fail(
          name,
          `the running service (pid ${owner.pid}) reports it down (GET /db/status/qdrant: ${response.status})`,
        );
  } catch (error) {
    return fail(
      name,
      `the running service (pid ${owner.pid}) does not answer at ${owner.serviceUrl}: ${firstLine(error as Error)}`,
    );
  }
}

function embeddedVectorStore(): Check[] {
  const reason = 'embedded vector store (no QDRANT_URL)';
  return ['qdrant HTTPS', 'qdrant reachable', 'qdrant key', 'qdrant read-only key', 'qdrant collection'].map(
    (name) => skip(name, reason),
  );
}

interface Hnsw {
  m: number;
  ef_construct: number;
}

/** The parts of Qdrant's answers (`GET /`, `GET /collections/{name}`) the checks read. */
interface QdrantBody {
  version?: string;
  result?: {
    points_count: number;
    config: {
      // The adapter sets HNSW on the vector; Qdrant reports that here and keeps the collection
      // level (`hnsw_config`) at its defaults.
      params: { vectors: { size: number; distance: string; hnsw_config?: Partial<Hnsw> } };
      hnsw_config: Hnsw;
    };
    payload_schema?: Record<string, { data_type: string }>;
  };
}

/** Raw HTTP, so every status is visible (the client library folds 401, 403 and 404 together). */
async function qdrantRequest(
  compression: 'off' | 'on',
  base: string,
  path: string,
  options: { apiKey?: string; method?: string; body?: unknown } = {},
): Promise<{ status: number; body: QdrantBody }> {
  const res = await fetch(`${base}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      ...qdrantHeaders({ apiKey: options.apiKey, compression }),
      ...(options.body ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
    signal: AbortSignal.timeout(QDRANT_PROBE_TIMEOUT_MS),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as QdrantBody };
  } catch {
    return { status: res.status, body: {} }; // not JSON (e.g. a plain-text 401): the status says it
  }
}

async function verifyQdrant(config: QdrantTarget, base: string): Promise<Check[]> {
  const { protocol, hostname } = new URL(base);
  const checks: Check[] = [
    protocol === 'https:'
      ? pass('qdrant HTTPS', base)
      : isLoopbackHost(hostname)
        ? pass('qdrant HTTPS', `plain http, acceptable: ${hostname} is loopback`)
        : fail('qdrant HTTPS', `plain http to non-loopback host ${hostname}: use https://`),
  ];
  try {
    const root = await qdrantRequest(config.compression, base, '/');
    checks.push(
      root.status === 200
        ? pass('qdrant reachable', `Qdrant ${root.body?.version ?? '(version unknown)'}`)
        : fail('qdrant reachable', `GET / answered ${root.status}`),
    );
  } catch (error) {
    const reason = `${base}: ${firstLine(error as Error)}`;
    return [
      ...checks,
      fail('qdrant reachable', reason),
      ...['qdrant key', 'qdrant read-only key', 'qdrant collection'].map((n) =>
        skip(n, 'Qdrant unreachable'),
      ),
    ];
  }
  const list = await qdrantRequest(config.compression, base, '/collections', { apiKey: config.apiKey });
  if (list.status !== 200) {
    const reason = config.apiKey
      ? `QDRANT_API_KEY refused (${list.status})`
      : `no QDRANT_API_KEY and ${list.status}`;
    return [
      ...checks,
      fail('qdrant key', reason),
      ...['qdrant read-only key', 'qdrant collection'].map((n) => skip(n, 'no working key')),
    ];
  }
  checks.push(
    config.apiKey
      ? pass('qdrant key', 'QDRANT_API_KEY accepted')
      : isLoopbackHost(hostname)
        ? pass('qdrant key', 'no key needed on loopback')
        : fail('qdrant key', `no QDRANT_API_KEY, and ${hostname} answers without one: anyone can write`),
  );
  checks.push(await checkReadOnlyKey(config, base));
  checks.push(...(await checkCollection(config, base)));
  return checks;
}

/**
 * A read-only key must be refused a write. The write tried is harmless either way: deleting a
 * point id that does not exist.
 */
async function checkReadOnlyKey(config: QdrantTarget, base: string): Promise<Check> {
  const key = readAliased(process.env, ['QDRANT_READ_API_KEY']).value;
  if (!key) return skip('qdrant read-only key', 'not configured (QDRANT_READ_API_KEY unset)');
  const res = await qdrantRequest(
    config.compression,
    base,
    `/collections/${config.collection}/points/delete?wait=true`,
    {
      apiKey: key,
      method: 'POST',
      body: { points: [randomUUID()] },
    },
  );
  if (res.status === 403) return pass('qdrant read-only key', 'a write with it was refused (403)');
  if (res.status === 404) {
    // Qdrant checks that the collection exists before it checks the key's rights.
    return skip(
      'qdrant read-only key',
      `not testable: ${config.collection} does not exist, and Qdrant answers 404 before checking a key's rights`,
    );
  }
  if (res.status < 300)
    return fail('qdrant read-only key', `a write with it succeeded (${res.status}): it is not read-only`);
  return fail('qdrant read-only key', `expected 403 for a write, got ${res.status}`);
}

async function checkCollection(config: QdrantTarget, base: string): Promise<Check[]> {
  const res = await qdrantRequest(config.compression, base, `/collections/${config.collection}`, {
    apiKey: config.apiKey,
  });
  if (res.status === 404) {
    return [
      fail(
        'qdrant collection',
        `${config.collection} does not exist (start the service once, or vectors:rebuild)`,
      ),
      skip('qdrant HNSW', 'no collection'),
      skip('qdrant payload indexes', 'no collection'),
    ];
  }
  if (res.status !== 200) {
    return [fail('qdrant collection', `GET /collections/${config.collection} answered ${res.status}`)];
  }
  const info = res.body.result!;
  const { vectors } = info.config.params;
  const hnsw = { ...info.config.hnsw_config, ...vectors.hnsw_config };
  const schema = info.payload_schema ?? {};
  const sizeOk = vectors.size === config.vectorSize && vectors.distance === 'Cosine';
  const missing = PAYLOAD_INDEXES.filter((i) => schema[i.field_name]?.data_type !== i.field_schema).map(
    (i) => `${i.field_name} (${i.field_schema})`,
  );
  return [
    sizeOk
      ? pass(
          'qdrant collection',
          `${config.collection}: size ${vectors.size}, ${vectors.distance}, ${info.points_count} points`,
        )
      : fail(
          'qdrant collection',
          `${config.collection}: size ${vectors.size} ${vectors.distance}, configured VECTOR_SIZE ${config.vectorSize} Cosine ` +
            '(npm run vectors:rebuild replaces it)',
        ),
    hnsw.m === config.hnswM && hnsw.ef_construct === config.hnswEfConstruct
      ? pass('qdrant HNSW', `m=${hnsw.m}, ef_construct=${hnsw.ef_construct}`)
      : fail(
          'qdrant HNSW',
          `m=${hnsw.m}, ef_construct=${hnsw.ef_construct}; configured m=${config.hnswM}, ` +
            `ef_construct=${config.hnswEfConstruct} (vectors:rebuild applies them)`,
        ),
    missing.length === 0
      ? pass('qdrant payload indexes', PAYLOAD_INDEXES.map((i) => i.field_name).join(', '))
      : fail('qdrant payload indexes', `missing or of another type: ${missing.join(', ')}`),
  ];
}

/**
 * Ingests one probe chunk into its own document through IngestService (transaction, outbox,
 * relay, vector store), finds it by vector search and reads it back from PostgreSQL, deletes the
 * document hard, and checks both sides are clean. The audit trail keeps its two probe entries:
 * it is append-only by design. A collection binding the probe created is removed again.
 */
async function roundTrip(app: INestApplicationContext): Promise<Check> {
  const name = 'round trip';
  const dataSource = app.get(DataSource);
  const store = app.get(VectorStore);
  const { collection, vectorSize } = loadVectorsConfig();
  const document = `ragstore-db-verify-${randomUUID()}`;
  const bound = await dataSource.query<{ embedding_model: string }[]>(
    'SELECT embedding_model FROM vector_collections WHERE name = $1',
    [collection],
  );
  const model = bound[0]?.embedding_model ?? 'ragstore-db-verify-probe';
  const embedding = Array.from({ length: vectorSize }, (_, i) => (i === 0 ? 1 : 0));
  try {
    const ingested = await app.get(IngestService).ingestBatch({
      document_reference: document,
      embedding_model: model,
      chunks: [{ chunk_index: 0, chunk_text: `db:verify probe ${document}`, embedding }],
      wait_ms: PROBE_WAIT_MS,
    });
    const chunkId = ingested.response.chunks[0].chunk_id;
    if (!ingested.synced)
      return fail(name, `the probe chunk did not reach the vector store in ${PROBE_WAIT_MS} ms`);

    const hits = await store.search({
      vector: embedding,
      limit: 1,
      filter: { document_reference: document },
    });
    if (hits[0]?.id !== chunkId) return fail(name, 'vector search did not find the probe chunk');
    const row = await app.get(ChunksService).get(chunkId, false);
    if (row.chunk_text !== `db:verify probe ${document}`) return fail(name, 'PostgreSQL returned other text');

    const deleted = await app.get(DocumentsService).deleteDocument(document, true, PROBE_WAIT_MS);
    if (!deleted.synced) return fail(name, `the probe's vector was not deleted within ${PROBE_WAIT_MS} ms`);
    const [left] = await dataSource.query<{ chunks: number; outbox: number }[]>(
      `SELECT (SELECT count(*) FROM chunks WHERE document_reference = $1)::int AS chunks,
              (SELECT count(*) FROM vector_outbox WHERE chunk_id = $2)::int AS outbox`,
      [document, chunkId],
    );
    const points = await store.retrieve([chunkId]);
    if (left.chunks + left.outbox + points.length > 0) {
      return fail(
        name,
        `left behind: ${left.chunks} chunk rows, ${left.outbox} outbox rows, ${points.length} points`,
      );
    }
    return pass(name, `ingest → search → read → hard delete → clean, via ${store.kind}`);
  } catch (error) {
    return fail(name, firstLine(error as Error));
  } finally {
    if (bound.length === 0) {
      await dataSource.query('DELETE FROM vector_collections WHERE name = $1 AND embedding_model = $2', [
        collection,
        model,
      ]);
    }
  }
}

function printTable(checks: Check[]): void {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `${c.name.padEnd(width)}  ${c.status}  ${c.reason}`);
  const failed = checks.filter((c) => c.status === 'FAIL').length;
  process.stdout.write(
    `${lines.join('\n')}\n\n${failed === 0 ? 'db:verify: all checks passed' : `db:verify: ${failed} check(s) failed`}\n`,
  );
}

const firstLine = (error: Error) => (error?.message ?? String(error)).split('\n')[0];

runCli(main);
