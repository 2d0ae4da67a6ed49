import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../src/app.module';
import { withEnv } from './app';
import { createTestDatabase, type TestDatabase } from './postgres';

export interface ServiceContext {
  get<T>(token: Type<T>): T;
  db: TestDatabase;
  close(): Promise<void>;
}

/**
 * The service tier: the application's real providers (services, repositories, the relay, the
 * vector store) on a fresh clone of the test database and a DATA_DIR of their own, without HTTP.
 * `env` configures this context only; QDRANT_URL points it at the Qdrant double.
 */
export async function startServiceContext(env: Record<string, string> = {}): Promise<ServiceContext> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'ragstore-service-'));
  let app: INestApplicationContext;
  try {
    app = await withEnv({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }, () =>
      NestFactory.createApplicationContext(AppModule.forRoot({ databaseUrl: db.url }), {
        logger: false,
        abortOnError: false,
      }),
    );
  } catch (error) {
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    get: (token) => app.get(token),
    db,
    close: async () => {
      await app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
