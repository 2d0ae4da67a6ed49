import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { authConfig } from '../../config';
import { NotFoundError } from '../common/errors';
import { mapPage, type Page, type PageRequest } from '../common/pagination';
import type { ApiKeyEntity, Role } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';
import { AuditLogsService } from '../audit-logs/audit-logs.service';
import { Transactions, type Transaction } from '../database/transactions';
import { validationFailed } from '../common/validation';
import { toApiKeyResponse, type ApiKeyResponseDto, type CreatedApiKeyDto } from './dto/api-key-response.dto';

/** Who is calling: a stored key, or the bootstrap admin key from the environment. */
export interface Principal {
  key_id: string;
  name: string;
  role: Role;
  user_id: string | null;
}

const KEY_PREFIX = 'rsk_';
export const BOOTSTRAP_ADMIN_ID = 'bootstrap-admin';
const BOOTSTRAP_ADMIN: Principal = {
  key_id: BOOTSTRAP_ADMIN_ID,
  name: 'ADMIN_API_KEY',
  role: 'admin',
  user_id: null,
};
const TOUCH_INTERVAL_MS = 60_000;
/** Far more keys than a deployment has; unknown keys beyond it simply cost a lookup again. */
export const MAX_CACHED_KEYS = 10_000;

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/**
 * API keys: 32 random bytes, shown once, stored as SHA-256. Verified keys are cached for
 * API_KEY_CACHE_MS so authentication costs no query on the hot path; revocation through this
 * replica takes effect at once, through another within that time.
 */
@Injectable()
export class ApiKeysService implements OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private readonly lastTouched = new Map<string, number>();
  private readonly bootstrapHash: Buffer | undefined;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly transactions: Transactions,
    private readonly audit: AuditLogsService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {
    this.bootstrapHash = config.adminApiKey ? Buffer.from(hashKey(config.adminApiKey), 'hex') : undefined;
  }

  onApplicationShutdown(): void {
    this.cache.clear();
  }

  get required(): boolean {
    return this.config.required;
  }

  /** Key management is audited like any write: the row commits with the key, naming who acted. */
  async create(name: string, role: Role, userId: string | null): Promise<CreatedApiKeyDto> {
    // A binding restricts a reader to one user; on a writer or admin key it would mean nothing.
    if (userId !== null && role !== 'reader') {
      throw validationFailed([
        { field: 'user_id', rules: ['readerOnly'], messages: ['user_id binds reader keys only'] },
      ]);
    }
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = await this.transactions.run(async (manager) => {
      const created = await this.keys.insert(manager, {
        name,
        role,
        key_hash: hashKey(key),
        key_prefix: key.slice(0, KEY_PREFIX.length + 6),
        user_id: userId,
      });
      await this.audit.record(manager, {
        operation_type: 'create',
        resource_type: 'api_key',
        resource_id: created.key_id,
        user_id: created.user_id,
        details: { role, key_prefix: created.key_prefix },
      });
      return created;
    });
    return { ...toApiKeyResponse(row), key };
  }

  async list(page: PageRequest): Promise<Page<ApiKeyResponseDto>> {
    return mapPage(await this.keys.list(page), toApiKeyResponse);
  }

  async revoke(keyId: string): Promise<ApiKeyResponseDto> {
    const row = await this.transactions.run(async (manager) => {
      const revoked = await this.keys.revoke(manager, keyId);
      if (!revoked) throw new NotFoundError('active API key', keyId);
      await this.audit.record(manager, {
        operation_type: 'revoke',
        resource_type: 'api_key',
        resource_id: keyId,
        user_id: revoked.user_id,
        details: { role: revoked.role, key_prefix: revoked.key_prefix },
      });
      return revoked;
    });
    this.cache.delete(row.key_hash);
    return toApiKeyResponse(row);
  }

  /**
   * Inside the caller's transaction (a user deactivated or erased): the user's keys stop working at
   * once on this replica; other replicas trust their cached verification for API_KEY_CACHE_MS.
   */
  async revokeForUser(manager: Transaction, userId: string): Promise<number> {
    const revoked = await this.keys.revokeForUser(manager, userId);
    for (const [hash, entry] of this.cache) {
      if (entry.principal?.user_id === userId) this.cache.delete(hash);
    }
    return revoked;
  }

  /** The caller behind `key`, or null for an unknown or revoked key. */
  async authenticate(key: string): Promise<Principal | null> {
    const keyHash = hashKey(key);
    if (this.bootstrapHash && timingSafeEqual(Buffer.from(keyHash, 'hex'), this.bootstrapHash)) {
      return BOOTSTRAP_ADMIN;
    }
    const cached = this.cache.get(keyHash);
    if (cached && cached.until > Date.now()) return cached.principal;
    const row = await this.keys.findActiveByHash(keyHash);
    const principal = row ? toPrincipal(row) : null;
    this.cache.delete(keyHash);
    // Bounded, oldest entry out first: a flood of bogus keys cannot grow the cache without limit.
    if (this.cache.size >= MAX_CACHED_KEYS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(keyHash, { principal, until: Date.now() + this.config.keyCacheMs });
    if (principal) this.touchSoon(principal.key_id);
    return principal;
  }

  /** last_used_at at minute resolution, written off the request path. */
  private touchSoon(keyId: string): void {
    const now = Date.now();
    if ((this.lastTouched.get(keyId) ?? 0) > now - TOUCH_INTERVAL_MS) return;
    this.lastTouched.set(keyId, now);
    this.keys
      .touch([keyId])
      .catch((error: Error) => this.logger.warn(`last_used_at not updated: ${error.message}`));
  }
}

const toPrincipal = (row: ApiKeyEntity): Principal => ({
  key_id: row.key_id,
  name: row.name,
  role: row.role,
  user_id: row.user_id,
});
