import { DomainError, NotFoundError } from '../common/errors';

export class LogNotFoundError extends NotFoundError {
  constructor(logId: string) {
    super('log', logId);
  }
}

/** A chat turn may only link the retrieval made for its own user. */
export class LogOwnedByAnotherUserError extends DomainError {
  constructor(logId: string) {
    super('CONFLICT', `log ${logId} belongs to another user`, [
      { field: 'log_id', rules: ['sameUser'], messages: ['log_id must refer to a log of the same user'] },
    ]);
  }
}
