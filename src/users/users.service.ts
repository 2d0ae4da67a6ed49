import { Injectable } from '@nestjs/common';
import { changedFields, fieldNames, newValues } from '../audit-logs/audit-entry';
import { AuditLogsService } from '../audit-logs/audit-logs.service';
import { ApiKeysService } from '../auth/api-keys.service';
import { mapPage, type Page } from '../common/pagination';
import type { CreateUserDto } from './dto/create-user.dto';
import type { ListUsersQueryDto } from './dto/list-users-query.dto';
import type { UpdateUserDto } from './dto/update-user.dto';
import { toUserResponse, type UserResponseDto } from './dto/user-response.dto';
import type { UserEntity } from './user.entity';
import { UserInactiveError, UserNotFoundError } from './users.errors';
import { UsersRepository, type UserChanges } from './users.repository';
import { Transactions, type Transaction } from '../database/transactions';

@Injectable()
export class UsersService {
  constructor(
    private readonly transactions: Transactions,
    private readonly users: UsersRepository,
    private readonly audit: AuditLogsService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /** A duplicate email (any case) fails on users_email_key: the filter answers 409 naming `email`. */
  create(dto: CreateUserDto): Promise<UserResponseDto> {
    return this.transactions.run(async (manager) => {
      const user = await this.users.insert(manager, dto);
      await this.audit.record(manager, {
        operation_type: 'create',
        resource_type: 'user',
        resource_id: user.user_id,
        user_id: user.user_id,
        details: { changed_fields: fieldNames(changedFields(null, dto)) },
      });
      return toUserResponse(user);
    });
  }

  async get(userId: string): Promise<UserResponseDto> {
    return toUserResponse(await this.requireUser(userId));
  }

  async list(query: ListUsersQueryDto): Promise<Page<UserResponseDto>> {
    return mapPage(await this.users.list(query, query), toUserResponse);
  }

  /** Throws 404 when the user does not exist; for reads scoped to a user. */
  async requireUser(userId: string, manager?: Transaction): Promise<UserEntity> {
    const user = await this.users.findById(userId, manager);
    if (!user) throw new UserNotFoundError(userId);
    return user;
  }

  /**
   * For writes that reference a user (a chat turn): the user must exist and be active, and cannot
   * be erased until the caller's transaction ends.
   */
  async requireActiveUserForReference(manager: Transaction, userId: string): Promise<UserEntity> {
    const user = await this.users.lockById(manager, userId, 'reference');
    if (!user) throw new UserNotFoundError(userId);
    if (!user.is_active) throw new UserInactiveError(userId);
    return user;
  }

  /** Only the fields that change are written and audited; a no-op PATCH writes nothing. */
  update(userId: string, dto: UpdateUserDto): Promise<UserResponseDto> {
    return this.transactions.run(async (manager) => {
      const before = await this.lockUser(manager, userId);
      const changes = changedFields(before, dto);
      if (Object.keys(changes).length === 0) return toUserResponse(before);
      const after = await this.users.update(manager, userId, newValues<UserChanges>(changes));
      await this.audit.record(manager, {
        operation_type: 'update',
        resource_type: 'user',
        resource_id: userId,
        user_id: userId,
        details: { changed_fields: fieldNames(changes) },
      });
      return toUserResponse(after);
    });
  }

  login(userId: string): Promise<UserResponseDto> {
    return this.transactions.run(async (manager) => {
      const before = await this.lockUser(manager, userId);
      if (!before.is_active) throw new UserInactiveError(userId);
      const after = await this.users.stampLastLogin(manager, userId);
      await this.audit.record(manager, {
        operation_type: 'login',
        resource_type: 'user',
        resource_id: userId,
        user_id: userId,
        details: { changed_fields: fieldNames(changedFields(before, { last_login: after.last_login })) },
      });
      return toUserResponse(after);
    });
  }

  /**
   * Soft: deactivates (idempotent; audited once). Hard: erases the user and, by cascade, their chat
   * history, retrieval logs and API keys. The audit trail keeps every row about them — it has no
   * foreign key to users — but those rows hold ids and field names, never a personal value, so
   * nothing the user gave us survives the erasure.
   */
  remove(userId: string, hard: boolean): Promise<void> {
    return this.transactions.run(async (manager) => {
      const before = await this.lockUser(manager, userId);
      // A deactivated or erased user's keys stop working now, not when a cache expires.
      const revokedKeys = await this.apiKeys.revokeForUser(manager, userId);
      if (hard) {
        const erased = await this.users.deleteById(manager, userId);
        await this.audit.record(manager, {
          operation_type: 'hard_delete',
          resource_type: 'user',
          resource_id: userId,
          user_id: userId,
          details: { erased, revoked_keys: revokedKeys },
        });
        return;
      }
      if (!before.is_active) return;
      await this.users.update(manager, userId, { is_active: false });
      await this.audit.record(manager, {
        operation_type: 'soft_delete',
        resource_type: 'user',
        resource_id: userId,
        user_id: userId,
        details: {
          changed_fields: fieldNames(changedFields(before, { is_active: false })),
          revoked_keys: revokedKeys,
        },
      });
    });
  }

  private async lockUser(manager: Transaction, userId: string): Promise<UserEntity> {
    const user = await this.users.lockById(manager, userId, 'update');
    if (!user) throw new UserNotFoundError(userId);
    return user;
  }
}
