import { QdrantClientResourceExhaustedError, QdrantClientTimeoutError } from '@qdrant/js-client-rest';
import { upstreamExcerpt } from '../../observability/secret-scrubber';
import type { VectorStoreDownReason } from '../vector-store';
import { VectorStoreError, type VectorStoreErrorCode } from '../vector-store.errors';

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

function codeFor(error: unknown): VectorStoreErrorCode {
  // The client's own timeout surfaces as QdrantClientTimeoutError or, from fetch, an AbortError.
  if (error instanceof QdrantClientTimeoutError || (error as Error | null)?.name === 'AbortError') {
    return 'VECTOR_STORE_TIMEOUT';
  }
  if (error instanceof QdrantClientResourceExhaustedError) return 'VECTOR_STORE_UNAVAILABLE';
  const status = httpStatus(error);
  if (status === undefined) return 'VECTOR_STORE_UNAVAILABLE';
  if (status === 401 || status === 403) return 'VECTOR_STORE_UNAUTHORIZED';
  if (status === 404 && /collection/i.test(qdrantMessage(error) ?? '')) return 'COLLECTION_MISSING';
  if (status === 408) return 'VECTOR_STORE_TIMEOUT';
  if (status >= 400 && status < 500 && status !== 429) return 'VECTOR_STORE_REJECTED';
  return 'VECTOR_STORE_UNAVAILABLE';
}

function describe(error: unknown, code: VectorStoreErrorCode): string {
  const status = httpStatus(error);
  if (status !== undefined)
    return `HTTP ${status}: ${upstreamExcerpt(qdrantMessage(error) ?? (error as Error).message)}`;
  if (code === 'VECTOR_STORE_TIMEOUT') return 'no answer within the timeout';
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const reason = cause?.code ?? cause?.message;
  return reason ? `connection failed (${reason})` : ((error as Error)?.message ?? String(error));
}

/** Qdrant's own message: the envelope's `status.error`, or the plain-text body of a 401/403. */
function qdrantMessage(error: unknown): string | undefined {
  const data = (error as { data?: unknown }).data;
  if (typeof data === 'string') return data;
  const message = (data as { status?: { error?: unknown } } | undefined)?.status?.error;
  return typeof message === 'string' ? message : undefined;
}
