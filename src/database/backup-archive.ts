import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { Client, QueryResult } from 'pg';

/**
 * The backup archive: one gzip'd JSON-lines file. Line 1 is the header (format, schema as the
 * list of applied migrations), then one line per row (`{"table", "row"}`, tables in foreign-key
 * order, each row as PostgreSQL's own `to_jsonb`: bytea as `\x…` hex, timestamps ISO 8601), and
 * last the manifest (rows and SHA-256 of the row lines, per table). Generated columns are left
 * out; PostgreSQL recomputes them on load.
 */
export const BACKUP_FORMAT = 'ragstore-backup/1';
/** Managed by the migrations themselves: a restore migrates, it never copies these. */
const MIGRATION_TABLES = ['typeorm_migrations', 'typeorm_metadata'];
const PAGE_ROWS = 1_000;
const LOAD_BATCH_ROWS = 500;

export interface BackupHeader {
  kind: 'header';
  format: string;
  created_at: string;
  server_version: string;
  migrations: string[];
}
export interface TableSummary {
  rows: number;
  sha256: string;
}
export interface BackupManifest {
  kind: 'manifest';
  tables: Record<string, TableSummary>;
}

interface PageRow {
  row: Record<string, unknown>;
  key: string;
}

interface TableShape {
  name: string;
  primaryKey: string;
  generated: string[];
}

/**
 * Streams every table of the `public` schema into `file`, inside one REPEATABLE READ READ ONLY
 * transaction: the archive is a consistent snapshot while the service keeps writing.
 */
export async function writeBackup(client: Client, file: string): Promise<BackupManifest> {
  const gzip = createGzip();
  const out = gzip.pipe(createWriteStream(file, { mode: 0o600 }));
  const write = (value: unknown) => {
    const line = `${JSON.stringify(value)}\n`;
    return gzip.write(line)
      ? Promise.resolve(line)
      : new Promise<string>((r) => gzip.once('drain', () => r(line)));
  };
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const header: BackupHeader = {
      kind: 'header',
      format: BACKUP_FORMAT,
      created_at: new Date().toISOString(),
      server_version: (await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`))
        .rows[0].v,
      migrations: await appliedMigrations(client),
    };
    await write(header);
    const manifest: BackupManifest = { kind: 'manifest', tables: {} };
    for (const table of await tablesInDependencyOrder(client)) {
      const hash = createHash('sha256');
      let rows = 0;
      let after: string | null = null;
      const type = await keyType(client, table);
      for (;;) {
        // Keyset pages: memory stays bounded however large the table is.
        const page: QueryResult<PageRow> = await client.query<PageRow>(
          `SELECT to_jsonb(t) ${table.generated.map((c) => `- ${literal(c)}`).join(' ')} AS row, t.${ident(table.primaryKey)}::text AS key
             FROM ${ident(table.name)} t
            WHERE $1::text IS NULL OR t.${ident(table.primaryKey)} > $1::text::${type}
            ORDER BY t.${ident(table.primaryKey)} LIMIT ${PAGE_ROWS}`,
          [after],
        );
        for (const { row } of page.rows) {
          const line = await write({ table: table.name, row });
          hash.update(line);
          rows++;
        }
        if (page.rows.length < PAGE_ROWS) break;
        after = page.rows[page.rows.length - 1].key;
      }
      manifest.tables[table.name] = { rows, sha256: hash.digest('hex') };
    }
    await write(manifest);
    gzip.end();
    await finished(out);
    return manifest;
  } finally {
    await client.query('COMMIT');
  }
}

/** Reads and checks the archive's header (first line) without loading anything. */
export async function readHeader(file: string): Promise<BackupHeader> {
  for await (const line of lines(file)) {
    const header = JSON.parse(line) as BackupHeader;
    if (header.kind !== 'header' || header.format !== BACKUP_FORMAT) {
      throw new Error(`${file} is not a ${BACKUP_FORMAT} archive`);
    }
    return header;
  }
  throw new Error(`${file} is empty`);
}

/**
 * Loads the archive's rows into the (migrated, empty) database in one transaction, and commits
 * only when every table's row count and checksum match the manifest: a truncated or altered
 * archive leaves the database as it was.
 */
export async function loadBackup(client: Client, file: string): Promise<BackupManifest> {
  const seen = new Map<string, { rows: number; hash: ReturnType<typeof createHash> }>();
  let batch: { table: string; rows: unknown[] } = { table: '', rows: [] };
  let manifest: BackupManifest | undefined;
  const flush = async () => {
    if (batch.rows.length === 0) return;
    const { columns, identity } = await loadableColumns(client, batch.table);
    await client.query(
      `INSERT INTO ${ident(batch.table)} (${columns.join(', ')}) ${identity ? 'OVERRIDING SYSTEM VALUE' : ''}
       SELECT ${columns.join(', ')} FROM jsonb_populate_recordset(NULL::${ident(batch.table)}, $1::jsonb)`,
      [JSON.stringify(batch.rows)],
    );
    batch = { table: batch.table, rows: [] };
  };
  await client.query('BEGIN');
  try {
    let first = true;
    for await (const line of lines(file)) {
      const entry = JSON.parse(line) as { kind?: string; table?: string; row?: unknown } & BackupManifest;
      if (first) {
        first = false;
        continue; // the header, checked by readHeader
      }
      if (entry.kind === 'manifest') {
        manifest = entry;
        continue;
      }
      const table = entry.table!;
      if (table !== batch.table) {
        await flush();
        batch = { table, rows: [] };
      }
      const tally = seen.get(table) ?? { rows: 0, hash: createHash('sha256') };
      seen.set(table, tally);
      tally.rows++;
      tally.hash.update(`${line}\n`);
      batch.rows.push(entry.row);
      if (batch.rows.length >= LOAD_BATCH_ROWS) await flush();
    }
    await flush();
    if (!manifest) throw new Error(`${file} ends without its manifest: the archive is truncated`);
    for (const [table, expected] of Object.entries(manifest.tables)) {
      const got = seen.get(table);
      const sha256 = got?.hash.digest('hex') ?? createHash('sha256').digest('hex');
      if ((got?.rows ?? 0) !== expected.rows || sha256 !== expected.sha256) {
        throw new Error(
          `${table}: ${got?.rows ?? 0} rows read, the manifest says ${expected.rows}, or the checksum differs`,
        );
      }
    }
    await resetIdentities(client);
    await client.query('COMMIT');
    return manifest;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** Row counts of the data tables (everything but the migration bookkeeping). */
export async function rowCounts(client: Client): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await tablesInDependencyOrder(client)) {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ident(table.name)}`);
    counts[table.name] = rows[0].n;
  }
  return counts;
}

export async function appliedMigrations(client: Client): Promise<string[]> {
  const exists = await client.query<{ e: boolean }>(
    `SELECT to_regclass('typeorm_migrations') IS NOT NULL AS e`,
  );
  if (!exists.rows[0].e) return [];
  const { rows } = await client.query<{ name: string }>(
    'SELECT name FROM typeorm_migrations ORDER BY timestamp',
  );
  return rows.map((r) => r.name);
}

/** Parents before children, so foreign keys hold while loading (ties broken by name). */
async function tablesInDependencyOrder(client: Client): Promise<TableShape[]> {
  const { rows } = await client.query<{
    name: string;
    primary_key: string | null;
    generated: string[];
    parents: string[];
  }>(
    `SELECT c.relname AS name,
            (SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
              WHERE i.indrelid = c.oid AND i.indisprimary AND i.indnatts = 1) AS primary_key,
            ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = c.oid AND attgenerated <> '' ORDER BY attnum) AS generated,
            ARRAY(SELECT DISTINCT confrelid::regclass::text FROM pg_constraint
                   WHERE conrelid = c.oid AND contype = 'f' AND confrelid <> c.oid) AS parents
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> ALL($1)
      ORDER BY c.relname`,
    [MIGRATION_TABLES],
  );
  const ordered: TableShape[] = [];
  const placed = new Set<string>();
  while (ordered.length < rows.length) {
    const next = rows.find(
      (r) => !placed.has(r.name) && r.parents.every((p) => placed.has(p.replace(/"/g, ''))),
    );
    if (!next) throw new Error('the foreign keys between the tables form a cycle: cannot order the backup');
    if (!next.primary_key)
      throw new Error(`table ${next.name} has no single-column primary key: cannot page it`);
    placed.add(next.name);
    ordered.push({ name: next.name, primaryKey: next.primary_key, generated: next.generated });
  }
  return ordered;
}

async function keyType(client: Client, table: TableShape): Promise<string> {
  const { rows } = await client.query<{ t: string }>(
    `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2`,
    [table.name, table.primaryKey],
  );
  return rows[0].t;
}

/** The columns a load writes (generated ones are computed) and whether one is an identity. */
async function loadableColumns(
  client: Client,
  table: string,
): Promise<{ columns: string[]; identity: boolean }> {
  const { rows } = await client.query<{ name: string; identity: boolean }>(
    `SELECT attname AS name, attidentity <> '' AS identity FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    [table],
  );
  return { columns: rows.map((r) => ident(r.name)), identity: rows.some((r) => r.identity) };
}

/** Identity counters continue after the highest restored value, so new rows never collide. */
async function resetIdentities(client: Client): Promise<void> {
  const { rows } = await client.query<{ table: string; column: string }>(
    `SELECT c.relname AS table, a.attname AS column
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND a.attidentity <> ''`,
  );
  for (const { table, column } of rows) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT max(${ident(column)}) FROM ${ident(table)}), 1),
                     (SELECT max(${ident(column)}) FROM ${ident(table)}) IS NOT NULL)`,
      [table, column],
    );
  }
}

function lines(file: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
