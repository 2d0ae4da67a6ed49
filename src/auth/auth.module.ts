import { Global, Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { rateLimitConfig } from '../../config';
import { AuditLogsModule } from '../audit-logs/audit-logs.module';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { RateLimitGuard, throttlerOptions } from './rate-limit';
import { MemoryThrottlerStorage } from './memory-throttler.storage';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { RequestGate } from './request-gate';

/** The Redis rate-limit store, or null without REDIS_URL (the probes read its state). */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/**
 * Redis counters when REDIS_URL is set, else in-process ones (MemoryThrottlerStorage); a provider,
 * so its connection or sweep timer closes on shutdown.
 */
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [rateLimitConfig.KEY],
      useFactory: (config: ConfigType<typeof rateLimitConfig>) =>
        config.redisUrl
          ? new RedisThrottlerStorage(config.redisUrl, config.redisKeyPrefix)
          : new MemoryThrottlerStorage(),
    },
  ],
  exports: [RATE_LIMIT_STORAGE],
})
class RateLimitStorageModule {}

@Global()
@Module({
  imports: [
    AuditLogsModule,
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [rateLimitConfig.KEY, RATE_LIMIT_STORAGE, Reflector],
      useFactory: (
        config: ConfigType<typeof rateLimitConfig>,
        storage: RedisThrottlerStorage | MemoryThrottlerStorage,
        reflector: Reflector,
      ) => throttlerOptions(config, storage, reflector),
    }),
  ],
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    RateLimitGuard,
    RequestGate,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeysService, RequestGate, RateLimitStorageModule],
})
export class AuthModule {}
