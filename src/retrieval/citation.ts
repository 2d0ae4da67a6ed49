/**
 * A human-readable source for a hit, as the chat frontend shows it under an answer:
 * "Chapter 3 — Sensors, p. 42"; the document reference stands in for a missing section title.
 */
export function formatCitation(hit: {
  document_reference: string | null;
  section_title: string | null;
  page_reference: number | null;
}): string {
  const where = hit.section_title?.trim() || hit.document_reference?.trim() || 'Selected text';
  return hit.page_reference === null ? where : `${where}, p. ${hit.page_reference}`;
}
