import { createServer, type Server } from 'node:http';
import type { Pool } from 'pg';
import type { VectorStore } from '../src/vectors/vector-store';

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

/**
 * The HTTP floor of a vector retrieval: a bare `node:http` server that parses the same body,
 * runs the same `VectorStore.search` (top_k + 5) and one FLOOR_LOOKUP_SQL, and answers the top_k
 * rows as JSON; nothing else. Listening on a loopback port once resolved.
 */
export async function startFloorServer(
  store: VectorStore,
  pool: Pool,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString()) as { query_vector: number[]; top_k: number };
      void store
        .search({ vector: body.query_vector, limit: body.top_k + 5 })
        .then((hits) => pool.query(FLOOR_LOOKUP_SQL, [hits.map((h) => h.id)]))
        .then(({ rows }) => {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ results: rows.slice(0, body.top_k) }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` };
}
