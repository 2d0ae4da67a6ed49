import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's request id: always one the server issues (a UUID), so the id in the audit trail, the
 * retrieval log and the service log names exactly one request — a client cannot make two
 * requests share an id, or pass one request off as another.
 */
export function requestIdFor(): string {
  return randomUUID();
}

/**
 * The caller's own `x-request-id`, when it is a sane token: kept beside ours (as
 * `client_request_id` in log lines and audit details) so a client can find its requests, never
 * trusted as the id.
 */
export function clientRequestIdOf(req: Pick<IncomingMessage, 'headers'>): string | null {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const candidate = Array.isArray(incoming) ? incoming[0] : incoming;
  return candidate && SAFE_REQUEST_ID.test(candidate) ? candidate : null;
}
