import { createHash } from 'node:crypto';

/**
 * Text normalisation for duplicate detection: Unicode NFC, whitespace runs collapsed, trimmed.
 * Two chunks that differ only in spacing or Unicode composition are the same content.
 */
export function normaliseText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** SHA-256 (hex) of the normalised text: `content_hash`. */
export function contentHash(text: string): string {
  return createHash('sha256').update(normaliseText(text), 'utf8').digest('hex');
}

/** Namespace for chunk ids derived from content (a fixed, random UUID; never change it). */
const CHUNK_ID_NAMESPACE = Buffer.from('6f1d3c2a8b7e4f1a9c0d5e6f7a8b9c0d', 'hex');

/**
 * Deterministic chunk id (UUIDv5, RFC 9562) over the document, the chunk's position and its
 * content hash: re-sending the same batch yields the same ids, so ingestion is idempotent.
 */
export function deriveChunkId(documentReference: string, chunkIndex: number, hash: string): string {
  const digest = createHash('sha1')
    .update(CHUNK_ID_NAMESPACE)
    .update(`${documentReference}\u0000${chunkIndex}\u0000${hash}`, 'utf8')
    .digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
