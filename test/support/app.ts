import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { createTestDatabase, type TestDatabase } from './postgres';

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  db: TestDatabase;
  close(): Promise<void>;
}

/** The real application on a random loopback port, on its own freshly cloned database. */
export async function startTestApp(options: { databaseUrl?: string } = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const app = await createApp({ databaseUrl: options.databaseUrl ?? db.url });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    db,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
