/**
 * Every error the API answers with carries one of these stable codes. Feature errors add their
 * codes here so the status mapping below stays exhaustive (the compiler checks the switch).
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_JSON'
  | 'INVALID_URL'
  | 'URI_TOO_LONG'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'DUPLICATE'
  | 'REFERENCE_VIOLATION'
  | 'EMBEDDING_MODEL_MISMATCH'
  | 'CONSTRAINT_VIOLATION'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'DATABASE_UNAVAILABLE'
  | 'DATABASE_TIMEOUT'
  | 'VECTOR_STORE_UNAVAILABLE'
  | 'VECTOR_STORE_TIMEOUT'
  | 'VECTOR_STORE_UNAUTHORIZED'
  | 'VECTOR_STORE_FORBIDDEN'
  | 'VECTOR_STORE_REJECTED'
  | 'COLLECTION_MISSING'
  | 'COLLECTION_MISMATCH'
  | 'EMBEDDING_DIMENSION_MISMATCH'
  | 'EMBEDDING_UNAVAILABLE'
  | 'EMBEDDING_REJECTED'
  | 'EMBEDDING_TIMEOUT'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_ERROR';

export function statusForCode(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'INVALID_JSON':
    case 'INVALID_URL':
    case 'CONSTRAINT_VIOLATION':
    case 'EMBEDDING_DIMENSION_MISMATCH':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
    case 'ROUTE_NOT_FOUND':
      return 404;
    case 'METHOD_NOT_ALLOWED':
      return 405;
    case 'CONFLICT':
    case 'DUPLICATE':
    case 'REFERENCE_VIOLATION':
    case 'EMBEDDING_MODEL_MISMATCH':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'URI_TOO_LONG':
      return 414;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'RATE_LIMITED':
      return 429;
    // The vector store refused a request we validated, or its collection disagrees with our
    // configuration: our fault or the operator's, never the caller's.
    case 'INTERNAL_ERROR':
    case 'VECTOR_STORE_REJECTED':
    case 'COLLECTION_MISMATCH':
      return 500;
    // The embedding provider is a gateway's upstream: it refused us or answered unusably (502),
    // failed after our retries (502, with Retry-After), or never answered in time (504).
    case 'EMBEDDING_REJECTED':
    case 'EMBEDDING_UNAVAILABLE':
      return 502;
    case 'EMBEDDING_TIMEOUT':
      return 504;
    case 'DATABASE_UNAVAILABLE':
    case 'DATABASE_TIMEOUT':
    case 'VECTOR_STORE_UNAVAILABLE':
    case 'VECTOR_STORE_TIMEOUT':
    case 'VECTOR_STORE_UNAUTHORIZED':
    case 'VECTOR_STORE_FORBIDDEN':
    case 'COLLECTION_MISSING':
    case 'SERVICE_UNAVAILABLE':
      return 503;
  }
}

export interface FieldViolation {
  /** Dotted path of the field in the request, e.g. `chunks.3.embedding`. */
  field: string;
  /** The rules it broke, by validator name, e.g. `isEmail`. */
  rules: string[];
  messages: string[];
}

/** Where a failure came from when another service caused it: all a client may learn of it. */
export interface UpstreamOrigin {
  service: 'vector store' | 'embedding provider';
  /** The upstream's HTTP status, when it answered. */
  status?: number;
  /** How long the upstream asked us to wait (its own Retry-After), in seconds. */
  retryAfterSeconds?: number;
}

/** A failure the caller can act on; services throw these, the global filter renders them. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /**
     * Set when the message holds what an upstream said: the message then goes to the log only,
     * and the client gets the code, the service and its status.
     */
    readonly upstream?: UpstreamOrigin,
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  constructor(resource: string, id: string) {
    super('NOT_FOUND', `${resource} ${id} was not found`, { resource, id });
  }
}
