import { isDeepStrictEqual } from 'node:util';
import { decodeEmbedding } from '../chunks/embedding-codec';
import type { ChunkPayload, VectorPoint } from '../vectors/vector-store';

/**
 * THE mapping from a chunk row to its vector-store point: which columns the payload copies, how
 * it is built, and how consistency compares a stored payload with the row. Changing the payload
 * is this file plus the port's ChunkPayload type.
 */

/** The columns the payload is built from. */
const PAYLOAD_COLUMNS = [
  'chunk_id',
  'document_reference',
  'chunk_index',
  'chunk_text',
  'embedding_model',
  'page_reference',
  'section_title',
  'processing_version',
] as const;

export type PayloadSource = {
  chunk_id: string;
  document_reference: string;
  chunk_index: number;
  chunk_text: string;
  embedding_model: string;
  page_reference: number | null;
  section_title: string | null;
  processing_version: string;
};

/** A live chunk as the relay sends it; `version` pins the row state that was sent. */
export type ChunkToSync = PayloadSource & { embedding: Buffer; version: string };

/** Select list (table alias `c`) of what the payload copies. */
export const PAYLOAD_SELECT = PAYLOAD_COLUMNS.map((column) => `c.${column}`).join(', ');

/** Select list (table alias `c`) of a ChunkToSync: the payload's columns, the vector, the version. */
export const POINT_SELECT = `${PAYLOAD_SELECT}, c.embedding, c.updated_at::text AS version`;

export function payloadOf(row: PayloadSource): ChunkPayload {
  return {
    chunk_id: row.chunk_id,
    text_content: row.chunk_text,
    document_reference: row.document_reference,
    embedding_model: row.embedding_model,
    metadata: {
      page_reference: row.page_reference,
      section_title: row.section_title,
      processing_version: row.processing_version,
      chunk_index: row.chunk_index,
    },
  };
}

export function toPoint(chunk: ChunkToSync): VectorPoint {
  return { id: chunk.chunk_id, vector: decodeEmbedding(chunk.embedding), payload: payloadOf(chunk) };
}

/** The stored payload says what Postgres says (keys the store added are ignored). */
export function payloadMatches(row: PayloadSource, stored: ChunkPayload): boolean {
  return covers(payloadOf(row), stored);
}

function covers(expected: unknown, actual: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return isDeepStrictEqual(expected, actual);
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(expected).every(([key, value]) =>
    covers(value, (actual as Record<string, unknown>)[key]),
  );
}
