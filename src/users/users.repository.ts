import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import type { Page, PageRequest } from '../common/pagination';
import { keysetOrder, paginateKeyset } from '../database/keyset-pagination';
import { UserEntity } from './user.entity';

const OLDEST_FIRST = keysetOrder('ASC', ['created_at', 'timestamptz'], ['user_id', 'uuid']);

export type NewUserRow = Pick<UserEntity, 'email'> &
  Partial<Pick<UserEntity, 'profile_metadata' | 'preferences'>>;
export type UserChanges = Partial<
  Pick<UserEntity, 'email' | 'profile_metadata' | 'preferences' | 'is_active'>
>;

export interface UserFilters {
  is_active?: boolean;
  email_prefix?: string;
}

/** What erasing a user took with it, by table. */
export interface ErasedRows {
  chat_history: number;
  logs: number;
  api_keys: number;
}

@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, row: NewUserRow): Promise<UserEntity> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(UserEntity)
      .values(row as QueryDeepPartialEntity<UserEntity>)
      .returning('*')
      .execute();
    return manager.create(UserEntity, (result.raw as object[])[0]);
  }

  findById(userId: string, manager: EntityManager = this.dataSource.manager): Promise<UserEntity | null> {
    return manager.findOneBy(UserEntity, { user_id: userId });
  }

  /**
   * The row, locked until the transaction ends. `update`: concurrent writes to one user serialize.
   * `reference`: only deletion and key changes wait — enough for writing rows that reference it.
   */
  lockById(
    manager: EntityManager,
    userId: string,
    purpose: 'update' | 'reference',
  ): Promise<UserEntity | null> {
    return manager
      .createQueryBuilder(UserEntity, 'u')
      .setLock(purpose === 'update' ? 'pessimistic_write' : 'for_key_share')
      .where('u.user_id = :userId', { userId })
      .getOne();
  }

  async update(
    manager: EntityManager,
    userId: string,
    changes: UserChanges | { last_login: () => string },
  ): Promise<UserEntity> {
    const result = await manager
      .createQueryBuilder()
      .update(UserEntity)
      .set(changes as QueryDeepPartialEntity<UserEntity>)
      .where('user_id = :userId', { userId })
      .returning('*')
      .execute();
    return manager.create(UserEntity, (result.raw as object[])[0]);
  }

  /** Stamps the database's clock, not the app server's, so logins order with other rows. */
  stampLastLogin(manager: EntityManager, userId: string): Promise<UserEntity> {
    return this.update(manager, userId, { last_login: () => 'now()' });
  }

  /**
   * Erases the user; their chat history, retrieval logs and API keys go with it (ON DELETE
   * CASCADE). Returns how many rows of each the cascade took, counted under the caller's lock on
   * the user row (a new row referencing the user waits for that lock, so the counts are exact).
   */
  async deleteById(manager: EntityManager, userId: string): Promise<ErasedRows> {
    const [counts] = await manager.query<ErasedRows[]>(
      `SELECT (SELECT count(*) FROM chat_history WHERE user_id = $1)::int AS chat_history,
              (SELECT count(*) FROM logs WHERE user_id = $1)::int AS logs,
              (SELECT count(*) FROM api_keys WHERE user_id = $1)::int AS api_keys`,
      [userId],
    );
    await manager.delete(UserEntity, { user_id: userId });
    return counts;
  }

  /** Oldest first, so users created while a client pages land on later pages. */
  list(
    filters: UserFilters,
    page: PageRequest,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Page<UserEntity>> {
    const qb = manager.createQueryBuilder(UserEntity, 'u');
    if (filters.is_active !== undefined)
      qb.andWhere('u.is_active = :isActive', { isActive: filters.is_active });
    if (filters.email_prefix !== undefined) {
      qb.andWhere(`u.email LIKE :prefix ESCAPE '\\'`, { prefix: `${escapeLike(filters.email_prefix)}%` });
    }
    return paginateKeyset(qb, OLDEST_FIRST, page);
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
