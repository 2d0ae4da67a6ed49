import type { ChunkPayload, VectorFilter } from '../vector-store';
import type { PointPredicate } from './vector-index';

/**
 * VectorFilter as a predicate, with Qdrant's semantics (the contract suite holds both adapters
 * to them): conditions AND together, an empty "any of" list matches nothing, and a page range
 * never matches a chunk without a page.
 */
export function compileFilter(filter: VectorFilter | undefined): PointPredicate<ChunkPayload> | undefined {
  if (!filter) return undefined;
  const checks: PointPredicate<ChunkPayload>[] = [];
  const { document_reference, section_title, page_from, page_to, processing_version, ids } = filter;
  if (document_reference !== undefined) {
    const wanted = new Set(
      typeof document_reference === 'string' ? [document_reference] : document_reference,
    );
    checks.push((_, p) => wanted.has(p.document_reference));
  }
  if (section_title !== undefined) checks.push((_, p) => p.metadata.section_title === section_title);
  if (page_from !== undefined || page_to !== undefined) {
    const from = page_from ?? -Infinity;
    const to = page_to ?? Infinity;
    checks.push((_, p) => {
      const page = p.metadata.page_reference;
      return typeof page === 'number' && page >= from && page <= to;
    });
  }
  if (processing_version !== undefined)
    checks.push((_, p) => p.metadata.processing_version === processing_version);
  if (ids !== undefined) {
    const wanted = new Set(ids.map((id) => id.toLowerCase()));
    checks.push((id) => wanted.has(id));
  }
  if (checks.length === 0) return undefined;
  return (id, payload) => checks.every((check) => check(id, payload));
}
