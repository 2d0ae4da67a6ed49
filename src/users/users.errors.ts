import { DomainError, NotFoundError } from '../common/errors';

export class UserNotFoundError extends NotFoundError {
  constructor(userId: string) {
    super('user', userId);
  }
}

/** A deactivated user keeps its data but cannot log in or chat until reactivated. */
export class UserInactiveError extends DomainError {
  constructor(userId: string) {
    super('CONFLICT', `user ${userId} is deactivated`, [
      { field: 'is_active', rules: ['isActive'], messages: ['the user must be active'] },
    ]);
  }
}
