import { NotFoundError } from '../common/errors';

/** Also for soft-deleted chunks, unless the caller asked to include them. */
export class ChunkNotFoundError extends NotFoundError {
  constructor(chunkId: string) {
    super('chunk', chunkId);
  }
}
