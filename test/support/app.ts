import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory';
import { createTestDatabase, type TestDatabase } from './postgres';

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  db: TestDatabase;
  dataDir: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Use this database instead of a fresh clone (the caller owns it). */
  databaseUrl?: string;
  /** Environment for this app only (configuration is read while the app is created). */
  env?: Record<string, string>;
  /** Reuse a data directory (e.g. to restart over the same embedded vector store). */
  dataDir?: string;
}

/**
 * The real application on a random loopback port, on its own freshly cloned database and its
 * own DATA_DIR (so the embedded vector store is never shared between test files).
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ragstore-app-'));
  const app = await withEnv({ DATA_DIR: dataDir, ...options.env }, () =>
    createApp({ databaseUrl: options.databaseUrl ?? db.url }),
  );
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // A start-up that fails in a module's init (e.g. a refused vector collection) has already
    // opened pools and timers: release them, or they keep the test process alive.
    await app.close().catch(() => undefined);
    await db.drop();
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    db,
    dataDir,
    close: async () => {
      await app.close();
      await db.drop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` with extra environment variables set, restoring the previous values afterwards. */
export async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
