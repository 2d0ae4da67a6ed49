import type { Schemas } from '@qdrant/js-client-rest';
import type { VectorFilter } from '../vector-store';

/** Payload keys, as the Qdrant payload nests them. */
export const PAYLOAD_KEYS = {
  document_reference: 'document_reference',
  section_title: 'metadata.section_title',
  page_reference: 'metadata.page_reference',
  processing_version: 'metadata.processing_version',
  embedding_model: 'embedding_model',
  chunk_index: 'metadata.chunk_index',
} as const;

/** Every field a filter may touch gets a payload index, so filtered search never scans. */
export const PAYLOAD_INDEXES: readonly { field_name: string; field_schema: 'keyword' | 'integer' }[] = [
  { field_name: PAYLOAD_KEYS.document_reference, field_schema: 'keyword' },
  { field_name: PAYLOAD_KEYS.section_title, field_schema: 'keyword' },
  { field_name: PAYLOAD_KEYS.page_reference, field_schema: 'integer' },
  { field_name: PAYLOAD_KEYS.processing_version, field_schema: 'keyword' },
  { field_name: PAYLOAD_KEYS.embedding_model, field_schema: 'keyword' },
  { field_name: PAYLOAD_KEYS.chunk_index, field_schema: 'integer' },
];

/**
 * Our filter as Qdrant JSON: every condition goes in `must` (AND). `match.any` with an empty
 * list matches nothing, which is what an empty "any of" means; we never send an empty `should`,
 * whose meaning differs between Qdrant 1.18 and 1.19.
 */
export function toQdrantFilter(filter: VectorFilter | undefined): Schemas['Filter'] | undefined {
  if (!filter) return undefined;
  const must: Schemas['Condition'][] = [];
  const { document_reference, section_title, page_from, page_to, processing_version, ids } = filter;
  if (typeof document_reference === 'string') {
    must.push({ key: PAYLOAD_KEYS.document_reference, match: { value: document_reference } });
  } else if (document_reference !== undefined) {
    must.push({ key: PAYLOAD_KEYS.document_reference, match: { any: [...document_reference] } });
  }
  if (section_title !== undefined)
    must.push({ key: PAYLOAD_KEYS.section_title, match: { value: section_title } });
  if (page_from !== undefined || page_to !== undefined) {
    const range: Schemas['Range'] = {};
    if (page_from !== undefined) range.gte = page_from;
    if (page_to !== undefined) range.lte = page_to;
    must.push({ key: PAYLOAD_KEYS.page_reference, range });
  }
  if (processing_version !== undefined) {
    must.push({ key: PAYLOAD_KEYS.processing_version, match: { value: processing_version } });
  }
  if (ids !== undefined) must.push({ has_id: [...ids] });
  return must.length > 0 ? { must } : undefined;
}
