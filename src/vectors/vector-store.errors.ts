import { DomainError, type ErrorCode, type FieldViolation, type UpstreamOrigin } from '../common/errors';

export type VectorStoreErrorCode = Extract<
  ErrorCode,
  | 'VALIDATION_FAILED'
  | 'VECTOR_STORE_UNAVAILABLE'
  | 'VECTOR_STORE_TIMEOUT'
  | 'VECTOR_STORE_UNAUTHORIZED'
  /** The key is valid but lacks a permission the operation needs (e.g. a collection-scoped key). */
  | 'VECTOR_STORE_FORBIDDEN'
  | 'VECTOR_STORE_REJECTED'
  | 'COLLECTION_MISSING'
  | 'COLLECTION_MISMATCH'
>;

/** Every failure a VectorStore reports, whichever adapter raised it; the message never holds a key or a URL. */
export class VectorStoreError extends DomainError {
  constructor(
    override readonly code: VectorStoreErrorCode,
    message: string,
    details?: FieldViolation[],
    upstream?: UpstreamOrigin,
  ) {
    super(code, message, details, upstream);
  }
}

export function refuseSelfAlias(name: string): never {
  throw new VectorStoreError('VECTOR_STORE_REJECTED', `The alias ${name} cannot point at itself`);
}

export function refuseDropServing(name: string): never {
  throw new VectorStoreError(
    'VECTOR_STORE_REJECTED',
    `Collection ${name} is the one the configured name serves; switch the alias away before dropping it`,
  );
}
