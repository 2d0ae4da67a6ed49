import type { SyncStatus } from './chunk.entity';
import { encodeEmbedding } from './embedding-codec';
import { fingerprintsLiteral } from './text-shingles';

/** A chunk to write. Omitted optional fields take the column defaults' values. */
export interface NewChunkRow {
  chunk_id: string;
  document_reference: string;
  chunk_index: number;
  chunk_text: string;
  /** SHA-256 hex of the normalised text. */
  content_hash: string;
  /** The vector, or its float32 LE encoding. */
  embedding: ArrayLike<number> | Buffer;
  embedding_model: string;
  page_reference?: number | null;
  section_title?: string | null;
  embedding_id?: string | null;
  processing_version?: string;
  metadata?: Record<string, unknown>;
  sync_status?: SyncStatus;
}

/** A chunk row as ingestion writes it: every field decided, the embedding already encoded. */
export type ChunkWrite = Required<Omit<NewChunkRow, 'embedding_id' | 'sync_status' | 'embedding'>> & {
  embedding: Buffer;
};

/** One column a chunk write sets: its PostgreSQL type and how the value comes from the row. */
export interface ChunkWriteColumn {
  readonly name: string;
  readonly type: 'uuid' | 'text' | 'integer' | 'bpchar' | 'bytea' | 'jsonb' | 'integer[]';
  readonly value: (row: NewChunkRow) => unknown;
}

/**
 * THE write projection of `chunks`: every column an insert sets and an overwrite replaces, in one
 * list used by every writer (and the bench's raw floor). A column missing here would keep its old
 * value under `on_duplicate: "overwrite"`; test/integration/chunk-columns.spec.ts fails when an
 * entity column is neither here nor in CHUNK_LIFECYCLE_COLUMNS.
 */
export const CHUNK_WRITE_COLUMNS: readonly ChunkWriteColumn[] = [
  { name: 'chunk_id', type: 'uuid', value: (r) => r.chunk_id },
  { name: 'document_reference', type: 'text', value: (r) => r.document_reference },
  { name: 'chunk_index', type: 'integer', value: (r) => r.chunk_index },
  { name: 'chunk_text', type: 'text', value: (r) => r.chunk_text },
  { name: 'content_hash', type: 'bpchar', value: (r) => r.content_hash },
  {
    name: 'embedding',
    type: 'bytea',
    value: (r) => (Buffer.isBuffer(r.embedding) ? r.embedding : encodeEmbedding(r.embedding)),
  },
  { name: 'embedding_model', type: 'text', value: (r) => r.embedding_model },
  { name: 'page_reference', type: 'integer', value: (r) => r.page_reference ?? null },
  { name: 'section_title', type: 'text', value: (r) => r.section_title ?? null },
  { name: 'processing_version', type: 'text', value: (r) => r.processing_version ?? 'v1' },
  { name: 'metadata', type: 'jsonb', value: (r) => JSON.stringify(r.metadata ?? {}) },
  // A new or rewritten row is not in the vector store yet: the relay sets both once it is.
  { name: 'sync_status', type: 'text', value: (r) => r.sync_status ?? 'pending' },
  { name: 'embedding_id', type: 'uuid', value: (r) => r.embedding_id ?? null },
  { name: 'fingerprints', type: 'integer[]', value: (r) => fingerprintsLiteral(r.chunk_text) },
];

/**
 * The columns no write sets from the row: timestamps of the row's life and the generated search
 * vector. An overwrite revives the row (deleted_at NULL) and stamps updated_at.
 */
export const CHUNK_LIFECYCLE_COLUMNS = [
  'created_at',
  'updated_at',
  'synced_at',
  'deleted_at',
  'search_vector',
] as const;

/**
 * Rows as multi-row VALUES with a cast on every slot, one statement per `rowsPerStatement` rows
 * (PostgreSQL takes at most 65 535 parameters). Each embedding travels as one binary parameter.
 */
export function chunkValues(
  rows: readonly NewChunkRow[],
): { tuples: string; parameters: unknown[]; columns: string }[] {
  const statements = [];
  for (let from = 0; from < rows.length; from += CHUNK_ROWS_PER_STATEMENT) {
    const parameters: unknown[] = [];
    const tuples = rows
      .slice(from, from + CHUNK_ROWS_PER_STATEMENT)
      .map((row) => {
        const slots = CHUNK_WRITE_COLUMNS.map((c) => `$${parameters.push(c.value(row))}::${c.type}`);
        return `(${slots.join(', ')})`;
      })
      .join(', ');
    statements.push({ tuples, parameters, columns: CHUNK_WRITE_COLUMN_LIST });
  }
  return statements;
}

export const CHUNK_WRITE_COLUMN_LIST = CHUNK_WRITE_COLUMNS.map((c) => c.name).join(', ');
const CHUNK_ROWS_PER_STATEMENT = Math.floor(65_535 / CHUNK_WRITE_COLUMNS.length);

/** THE read projection retrieval returns for a chunk (never the embedding or the search vector). */
export const CHUNK_READ_COLUMNS = [
  'chunk_id',
  'document_reference',
  'page_reference',
  'section_title',
  'chunk_text',
  'chunk_index',
  'metadata',
] as const;

/** The read projection as a select list on the table alias `alias`. */
export const chunkReadList = (alias: string) => CHUNK_READ_COLUMNS.map((c) => `${alias}.${c}`).join(', ');
