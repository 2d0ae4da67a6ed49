import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseError } from 'pg';
import { DataSource, QueryFailedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { AllExceptionsFilter } from '../../src/common/all-exceptions.filter';
import { EmbeddedPostgresServer } from '../../src/database/embedded-postgres.server';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import {
  adminUrl,
  createTestDatabase,
  throughPooler,
  withAdminClient,
  type TestDatabase,
} from '../support/postgres';
import { dataDirectory } from '../support/service-process';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * Each way the database connection fails, produced for real against PostgreSQL, thrown from a
 * route and answered by the application's own error filter: 503 DATABASE_UNAVAILABLE with
 * Retry-After, never a 500. The route only runs the scenario; the shapes are the driver's and
 * TypeORM's own.
 */
const scenarios = new Map<string, () => Promise<unknown>>();
const thrown = new Map<string, unknown>();

@Controller('outage')
class OutageController {
  @Get(':name')
  async run(@Param('name') name: string): Promise<unknown> {
    try {
      return await scenarios.get(name)!();
    } catch (error) {
      thrown.set(name, error);
      throw error;
    }
  }
}

@Module({ controllers: [OutageController] })
class OutageModule {}

function dataSourceFor(url: string): DataSource {
  return new DataSource(buildDataSourceOptions(loadDatabaseConfig({}), url));
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('database outages answer 503 DATABASE_UNAVAILABLE with Retry-After', () => {
  let app: NestFastifyApplication;
  let baseUrl: string;
  let db: TestDatabase;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await NestFactory.create<NestFastifyApplication>(OutageModule, new FastifyAdapter(), {
      logger: false,
    });
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await app?.close();
    await db?.drop();
  });

  async function expect503(name: string): Promise<void> {
    const res = await fetch(`${baseUrl}/outage/${name}`);
    const body = (await res.json()) as { code: string; message: string };
    expect({ status: res.status, code: body.code }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  }

  it('53300 while connecting: a role at its CONNECTION LIMIT (Neon at its limit answers so)', async () => {
    const role = `outage_${process.pid}_${Date.now()}`;
    await withAdminClient((c) => c.query(`CREATE ROLE "${role}" LOGIN PASSWORD 'outage' CONNECTION LIMIT 0`));
    cleanups.push(() => withAdminClient((c) => c.query(`DROP ROLE IF EXISTS "${role}"`)));
    const url = new URL(db.url);
    url.username = role;
    url.password = 'outage';
    scenarios.set('too-many-connections', () => dataSourceFor(url.toString()).initialize());

    await expect503('too-many-connections');
    expect(thrown.get('too-many-connections')).toBeInstanceOf(DatabaseError);
    // A pooler relays the server's refusal of its own login as 08P01 with the server's message.
    const refusal = thrown.get('too-many-connections') as DatabaseError;
    expect({ code: refusal.code, message: refusal.message }).toEqual({
      code: throughPooler() ? '08P01' : '53300',
      message: expect.stringMatching(/too many connections for role/),
    });
  });

  it('57P03 while connecting: a server that is shutting down', async () => {
    const server = await EmbeddedPostgresServer.start(join(dataDirectory('ragstore-outage-'), 'pg'));
    cleanups.push(() => server.stop());
    // A smart shutdown waits for open sessions and refuses new ones with 57P03 meanwhile.
    const session = new (await import('pg')).Client({ connectionString: server.url });
    await session.connect();
    cleanups.push(() => session.end());
    const postmaster = Number(
      readFileSync(join(server.dataDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    process.kill(postmaster, 'SIGTERM');
    scenarios.set('shutting-down', () => dataSourceFor(server.url).initialize());

    await expect503('shutting-down');
    expect((thrown.get('shutting-down') as DatabaseError).code).toBe('57P03');
  });

  it('a socket reset under a running query (QueryFailedError: Connection terminated unexpectedly)', async () => {
    const target = new URL(adminUrl());
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    cleanups.push(() => proxy.close());
    const url = new URL(db.url);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const dataSource = await dataSourceFor(url.toString()).initialize();
    cleanups.push(() => dataSource.destroy());
    scenarios.set('reset', async () => {
      const running = dataSource.query('SELECT pg_sleep(5)');
      setTimeout(() => proxy.cut(), 200);
      return running;
    });

    await expect503('reset');
    expect(thrown.get('reset')).toBeInstanceOf(QueryFailedError);
    expect((thrown.get('reset') as Error).message).toMatch(/Connection terminated unexpectedly/);
  });

  it('a backend terminated in the middle of a transaction (QueryRunnerProviderAlreadyReleasedError)', async () => {
    const dataSource = await dataSourceFor(db.url).initialize();
    cleanups.push(() => dataSource.destroy());
    scenarios.set('terminated', () =>
      dataSource.transaction(async (manager) => {
        const [{ pid }] = await manager.query<Array<{ pid: number }>>('SELECT pg_backend_pid() AS pid');
        await withAdminClient((c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
        // TypeORM releases the runner when the driver reports the dead connection.
        await until(() => manager.queryRunner!.isReleased, 5_000);
        return manager.transaction((inner) => inner.query('SELECT 1'));
      }),
    );

    await expect503('terminated');
    expect(thrown.get('terminated')).toBeInstanceOf(QueryRunnerProviderAlreadyReleasedError);
  });
});
