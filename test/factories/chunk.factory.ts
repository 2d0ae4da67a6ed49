import { createHash, randomUUID } from 'node:crypto';
import type { NewChunkRow } from '../../src/chunks/chunk-columns';

let sequence = 0;

/** A valid chunk row for `DocumentChunksRepository.insertMany`: random id and text, an 8-dimension embedding. */
export function buildChunk(overrides: Partial<NewChunkRow> = {}): NewChunkRow {
  const chunkText = overrides.chunk_text ?? `Chunk text ${randomUUID()}`;
  return {
    chunk_id: randomUUID(),
    document_reference: 'book/chapter-01.md',
    chunk_index: sequence++,
    chunk_text: chunkText,
    content_hash: createHash('sha256').update(chunkText).digest('hex'),
    embedding: Array.from({ length: 8 }, () => Math.random() - 0.5),
    embedding_model: 'test-embedding',
    page_reference: 1,
    section_title: 'Introduction',
    metadata: { source: 'factory' },
    ...overrides,
  };
}

/** `count` chunks of one document with chunk_index 0..count-1. */
export function buildDocumentChunks(documentReference: string, count: number, start = 0): NewChunkRow[] {
  return Array.from({ length: count }, (_, i) =>
    buildChunk({ document_reference: documentReference, chunk_index: start + i }),
  );
}
