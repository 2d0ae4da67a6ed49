import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import type { Page, PageRequest } from '../common/pagination';
import { keysetOrder, paginateKeyset } from '../database/keyset-pagination';
import { returningRows } from '../database/returning';
import { ApiKeyEntity, type Role } from './api-key.entity';

const OLDEST_FIRST = keysetOrder('ASC', ['created_at', 'timestamptz'], ['key_id', 'uuid']);

export interface NewApiKey {
  name: string;
  role: Role;
  key_hash: string;
  key_prefix: string;
  user_id: string | null;
}

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, row: NewApiKey): Promise<ApiKeyEntity> {
    const [created] = await returningRows<ApiKeyEntity>(
      manager,
      `INSERT INTO api_keys (name, role, key_hash, key_prefix, user_id) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [row.name, row.role, row.key_hash, row.key_prefix, row.user_id],
    );
    return created;
  }

  findActiveByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.dataSource.manager.findOneBy(ApiKeyEntity, { key_hash: keyHash, revoked_at: IsNull() });
  }

  list(page: PageRequest): Promise<Page<ApiKeyEntity>> {
    return paginateKeyset(this.dataSource.manager.createQueryBuilder(ApiKeyEntity, 'k'), OLDEST_FIRST, page);
  }

  /** Revokes an active key; returns it, or null when there is no such active key. */
  async revoke(manager: EntityManager, keyId: string): Promise<ApiKeyEntity | null> {
    const [row] = await returningRows<ApiKeyEntity>(
      manager,
      `UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL RETURNING *`,
      [keyId],
    );
    return row ?? null;
  }

  /** Revokes every active key bound to a user; returns how many. */
  async revokeForUser(manager: EntityManager, userId: string): Promise<number> {
    const rows = await returningRows<{ key_id: string }>(
      manager,
      `UPDATE api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING key_id`,
      [userId],
    );
    return rows.length;
  }

  async touch(keyIds: readonly string[]): Promise<void> {
    await this.dataSource.query(`UPDATE api_keys SET last_used_at = now() WHERE key_id = ANY($1::uuid[])`, [
      keyIds,
    ]);
  }
}
