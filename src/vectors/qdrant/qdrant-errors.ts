import { QdrantClientResourceExhaustedError, QdrantClientTimeoutError } from '@qdrant/js-client-rest';
import { upstreamExcerpt } from '../../observability/secret-scrubber';
import type { VectorStoreDownReason } from '../vector-store';
import { VectorStoreError, type VectorStoreErrorCode } from '../vector-store.errors';

/** Connection-level failures on a socket that was open: a reused keep-alive socket the server closed. */
const SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/**
 * Qdrant client failures as our own errors, keeping Qdrant's message (its envelope's
 * `status.error`) but never the URL or key. The client throws ApiError (not exported) for a
 * non-2xx answer, recognisable by its numeric `status`, and TypeError('fetch failed') when the
 * connection fails.
 */
export function toVectorStoreError(error: unknown, operation: string): VectorStoreError {
  if (error instanceof VectorStoreError) return error;
  const code = codeFor(error);
  return new VectorStoreError(code, `Qdrant ${operation} failed: ${describe(error, code)}`, undefined, {
    service: 'vector store',
    status: httpStatus(error),
  });
}

/** The health probe's reason for a failure. */
export function downReason(error: VectorStoreError): VectorStoreDownReason {
  switch (error.code) {
    case 'VECTOR_STORE_TIMEOUT':
      return 'timeout';
    case 'VECTOR_STORE_UNAUTHORIZED':
    case 'VECTOR_STORE_FORBIDDEN':
      return 'unauthorized';
    case 'VECTOR_STORE_UNAVAILABLE':
      return 'unreachable';
    case 'COLLECTION_MISSING':
      return 'collection_missing';
    default:
      return 'error';
  }
}

export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** A request that never got an answer because the socket broke under it: safe to resend a read. */
export function isSocketError(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (httpStatus(error) !== undefined || !cause) return false;
  // With the client's own undici Agent, Node's fetch folds the cause into a plain Error whose
  // message names it ("SocketError: other side closed"); with its built-in one it keeps the code.
  return SOCKET_ERRORS.has(String(cause.code)) || SOCKET_MESSAGE.test(String(cause.message));
}

const SOCKET_MESSAGE = /\b(SocketError|ECONNRESET|EPIPE)\b|other side closed/;

function codeFor(error: unknown): VectorStoreErrorCode {
  // The client's own timeout surfaces as QdrantClientTimeoutError or, from fetch, an AbortError.
  if (error instanceof QdrantClientTimeoutError || (error as Error | null)?.name === 'AbortError') {
    return 'VECTOR_STORE_TIMEOUT';
  }
  if (error instanceof QdrantClientResourceExhaustedError) return 'VECTOR_STORE_UNAVAILABLE';
  const status = httpStatus(error);
  if (status === undefined) return 'VECTOR_STORE_UNAVAILABLE';
  if (status === 401) return 'VECTOR_STORE_UNAUTHORIZED';
  // A 403 in the JSON envelope is a valid key without the right; in plain text, a JWT refused
  // (bad signature, expired), which is an authentication failure.
  if (status === 403)
    return typeof dataOf(error) === 'string' ? 'VECTOR_STORE_UNAUTHORIZED' : 'VECTOR_STORE_FORBIDDEN';
  if (status === 404 && /collection/i.test(qdrantMessage(error) ?? '')) return 'COLLECTION_MISSING';
  if (status === 408) return 'VECTOR_STORE_TIMEOUT';
  // Strict mode refuses a filter on a key until its payload index exists; the bootstrap creates
  // the indexes, so this passes once it has (503, not a 500 blamed on the request).
  if (status === 400 && MISSING_INDEX.test(qdrantMessage(error) ?? '')) return 'VECTOR_STORE_UNAVAILABLE';
  if (status >= 400 && status < 500 && status !== 429) return 'VECTOR_STORE_REJECTED';
  return 'VECTOR_STORE_UNAVAILABLE';
}

const MISSING_INDEX = /Index required but not found/;

function describe(error: unknown, code: VectorStoreErrorCode): string {
  if (error instanceof QdrantClientResourceExhaustedError) {
    // The client keeps only the first character of Retry-After and drops the status.
    return 'HTTP 429: Qdrant is rate limiting this key (strict mode read/write rate limit); retry later';
  }
  const status = httpStatus(error);
  if (status !== undefined) {
    const message = qdrantMessage(error) ?? (error as Error).message;
    return `HTTP ${status}: ${upstreamExcerpt(message)}${hint(status, code, message)}`;
  }
  if (code === 'VECTOR_STORE_TIMEOUT') return 'no answer within the timeout';
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const reason = cause?.code ?? cause?.message;
  return reason ? `connection failed (${reason})` : ((error as Error)?.message ?? String(error));
}

/** What to do about a refusal whose cause is in our configuration or the key's rights. */
function hint(status: number, code: VectorStoreErrorCode, message: string): string {
  if (code === 'VECTOR_STORE_FORBIDDEN') {
    return /Global/i.test(message)
      ? ' (creating, dropping or aliasing a collection needs a key with global manage access; ' +
          'a collection-scoped key or JWT can only read and write points of an existing collection)'
      : ' (the key lacks this permission)';
  }
  if (status === 400 && MISSING_INDEX.test(message)) {
    return ' (the collection is in strict mode; the service creates its payload indexes at start-up)';
  }
  if (status === 400 && /Limit exceeded/.test(message)) {
    return " (the collection's strict_mode_config limit is lower than this setting)";
  }
  if (status === 400 && /larger than allowed/.test(message)) {
    return ' (lower QDRANT_UPSERT_MAX_BYTES under the server max_request_size_mb)';
  }
  return '';
}

function dataOf(error: unknown): unknown {
  return (error as { data?: unknown }).data;
}

/** Qdrant's own message: the envelope's `status.error`, or the plain-text body of a 401/403. */
function qdrantMessage(error: unknown): string | undefined {
  const data = dataOf(error);
  if (typeof data === 'string') return data;
  const message = (data as { status?: { error?: unknown } } | undefined)?.status?.error;
  return typeof message === 'string' ? message : undefined;
}
