import { once } from 'node:events';
import type { Client } from 'pg';
import { encodeEmbedding } from '../src/chunks/embedding-codec';
import { fingerprints } from '../src/chunks/text-shingles';
import { benchEmbeddingModel, chunkAt, contentHash, documentReference } from './corpus';

/**
 * The floor for ingest: the same rows written straight into a scratch copy of `chunks` (same
 * generated column, indexes and constraints) by the three SQL paths open to us: binary COPY,
 * one `unnest` INSERT per batch, and a multi-row VALUES INSERT per batch.
 */

const COLUMNS = [
  'chunk_id',
  'document_reference',
  'chunk_index',
  'chunk_text',
  'content_hash',
  'embedding',
  'embedding_model',
  'page_reference',
  'section_title',
  'processing_version',
  'metadata',
  'fingerprints',
] as const;

interface RawRow {
  chunk_id: string;
  document_reference: string;
  chunk_index: number;
  chunk_text: string;
  content_hash: string;
  embedding: Buffer;
  embedding_model: string;
  page_reference: number;
  section_title: string;
  processing_version: string;
  metadata: string;
  fingerprints: number[];
}

export function rawRow(run: string, index: number, dimension: number, seed: number): RawRow {
  const chunk = chunkAt(index, dimension, seed);
  return {
    chunk_id: crypto.randomUUID(),
    document_reference: documentReference(run, index),
    chunk_index: chunk.chunk_index,
    chunk_text: chunk.chunk_text,
    content_hash: contentHash(chunk.chunk_text),
    embedding: encodeEmbedding(chunk.embedding),
    embedding_model: benchEmbeddingModel(dimension),
    page_reference: chunk.page_reference,
    section_title: chunk.section_title,
    processing_version: 'v1',
    metadata: JSON.stringify(chunk.metadata),
    fingerprints: fingerprints(chunk.chunk_text),
  };
}

/**
 * `shaped`: a copy of `chunks` with its generated tsvector, indexes and constraints (what an
 * ingest really pays); `bare`: the same columns and nothing else (the disk's floor).
 */
export async function createScratchTable(
  client: Client,
  name: string,
  kind: 'shaped' | 'bare',
): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${name}`);
  await client.query(
    kind === 'shaped'
      ? `CREATE TABLE ${name} (LIKE chunks INCLUDING ALL)`
      : `CREATE TABLE ${name} AS SELECT ${COLUMNS.join(', ')} FROM chunks WITH NO DATA`,
  );
}

export type RawPath = 'copy_binary' | 'unnest' | 'multi_row';

/** Writes rows [0, total) by `path` in batches; returns the wall time in ms. */
export async function rawInsert(
  client: Client,
  table: string,
  path: RawPath,
  rows: (index: number) => RawRow,
  total: number,
  batchSize: number,
): Promise<number> {
  const started = performance.now();
  if (path === 'copy_binary') {
    await copyBinary(client, table, rows, total);
  } else {
    for (let from = 0; from < total; from += batchSize) {
      const batch = Array.from({ length: Math.min(batchSize, total - from) }, (_, i) => rows(from + i));
      await (path === 'unnest' ? insertUnnest(client, table, batch) : insertMultiRow(client, table, batch));
    }
  }
  return performance.now() - started;
}

async function insertUnnest(client: Client, table: string, batch: RawRow[]): Promise<void> {
  const types = [
    'uuid',
    'text',
    'int',
    'text',
    'bpchar',
    'bytea',
    'text',
    'int',
    'text',
    'text',
    'jsonb',
    'text',
  ];
  await client.query(
    `INSERT INTO ${table} (${COLUMNS.join(', ')})
     SELECT ${COLUMNS.slice(0, -1).join(', ')}, fingerprints::integer[]
       FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) AS v(${COLUMNS.join(', ')})`,
    COLUMNS.map((column) =>
      batch.map((row) => (column === 'fingerprints' ? `{${row.fingerprints.join(',')}}` : row[column])),
    ),
  );
}

/** Buffers go as binary parameters here, unlike inside an array literal, which pg sends as hex text. */
async function insertMultiRow(client: Client, table: string, batch: RawRow[]): Promise<void> {
  const values: unknown[] = [];
  const tuples = batch.map((row) => {
    const slots = COLUMNS.map((column) => `$${values.push(row[column])}`);
    slots[10] += '::jsonb';
    slots[11] += '::integer[]';
    return `(${slots.join(', ')})`;
  });
  await client.query(`INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, values);
}

// --- COPY … FROM STDIN (FORMAT binary) with the pg driver alone (no pg-copy-streams) ---------

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const ROWS_PER_CHUNK = 256;
const INT4_OID = 23;

function field(value: Buffer | null): Buffer[] {
  if (value === null) return [int32(-1)];
  return [int32(value.length), value];
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n);
  return b;
}

/** int4[]'s binary form: dimensions, no-nulls flag, element type (int4), then length-prefixed items. */
function int4Array(values: readonly number[]): Buffer {
  if (values.length === 0) return Buffer.concat([int32(0), int32(0), int32(INT4_OID)]);
  return Buffer.concat([
    int32(1),
    int32(0),
    int32(INT4_OID),
    int32(values.length),
    int32(1),
    ...values.flatMap((value) => [int32(4), int32(value)]),
  ]);
}

function encodeTuple(row: RawRow): Buffer {
  const text = (s: string) => Buffer.from(s, 'utf8');
  const count = Buffer.allocUnsafe(2);
  count.writeInt16BE(COLUMNS.length);
  return Buffer.concat([
    count,
    ...field(Buffer.from(row.chunk_id.replace(/-/g, ''), 'hex')),
    ...field(text(row.document_reference)),
    ...field(int32(row.chunk_index)),
    ...field(text(row.chunk_text)),
    ...field(text(row.content_hash)),
    ...field(row.embedding),
    ...field(text(row.embedding_model)),
    ...field(int32(row.page_reference)),
    ...field(text(row.section_title)),
    ...field(text(row.processing_version)),
    // jsonb's binary form: a version byte, then the JSON text.
    ...field(Buffer.concat([Buffer.from([1]), text(row.metadata)])),
    ...field(int4Array(row.fingerprints)),
  ]);
}

/** The subset of pg's internal Connection a COPY FROM STDIN needs. */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
}

/**
 * A pg "submittable": the client hands it the connection and forwards the protocol messages of
 * its statement, which is all COPY FROM STDIN needs. Rows are encoded in groups and written
 * with back-pressure, so memory stays bounded at any size.
 */
function copyBinary(client: Client, table: string, rows: (index: number) => RawRow, total: number) {
  return new Promise<void>((resolve, reject) => {
    let error: Error | null = null;
    const submittable = {
      submit(connection: CopyConnection) {
        connection.query(`COPY ${table} (${COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`);
      },
      handleCopyInResponse(connection: CopyConnection) {
        void (async () => {
          connection.sendCopyFromChunk(Buffer.concat([SIGNATURE, int32(0), int32(0)]));
          for (let from = 0; from < total; from += ROWS_PER_CHUNK) {
            const group: Buffer[] = [];
            for (let i = from; i < Math.min(total, from + ROWS_PER_CHUNK); i++)
              group.push(encodeTuple(rows(i)));
            connection.sendCopyFromChunk(Buffer.concat(group));
            if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
          }
          const trailer = Buffer.allocUnsafe(2);
          trailer.writeInt16BE(-1);
          connection.sendCopyFromChunk(trailer);
          connection.endCopyFrom();
        })().catch((e: Error) => connection.sendCopyFail(e.message));
      },
      handleError(e: Error) {
        error = e;
      },
      handleReadyForQuery() {
        if (error) reject(error);
        else resolve();
      },
      handleCommandComplete() {},
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyData() {},
    };
    void client.query(submittable as never);
  });
}
