/**
 * The floor's hydration: one primary-key lookup of the search's hits, in the plan shape the
 * service uses (liveness tested outside an `OFFSET 0` subquery). Written as a plain
 * `chunk_id = ANY($1) AND deleted_at IS NULL`, a table no ANALYZE has seen (as right after the
 * bench's bulk load) is read through the partial index on live rows, 2–3 ms of PostgreSQL CPU a
 * request: a floor slower than the service it bounds.
 */
export const FLOOR_LOOKUP_SQL = `SELECT chunk_id, document_reference, page_reference, section_title, chunk_text, chunk_index, metadata
   FROM (SELECT * FROM chunks WHERE chunk_id = ANY($1::uuid[]) OFFSET 0) c
  WHERE c.deleted_at IS NULL`;
