import { DomainError, NotFoundError } from '../common/errors';

export class LogNotFoundError extends NotFoundError {
  constructor(logId: string) {
    super('log', logId);
  }
}

/** A chat turn attaches its answer to a log once; an answer already there is not replaced. */
export class LogResponseAlreadySetError extends DomainError {
  constructor(logId: string) {
    super('CONFLICT', `log ${logId} already has a response`, [
      {
        field: 'log_id',
        rules: ['responseNotSet'],
        messages: ['log_id must refer to a log whose response is not set yet'],
      },
    ]);
  }
}
