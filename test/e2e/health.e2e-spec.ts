import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { TcpProxy } from '../support/tcp-proxy';

describe('health probes', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('GET /db/status/neon answers 200 with neon up', async () => {
    const res = await fetch(`${t.baseUrl}/db/status/neon`);
    expect(res.status).toBe(200);
    const body = await res.json();
    // Public: up/down and a reason code, nothing about the deployment.
    expect(body).toEqual({
      status: 'ok',
      info: { neon: { status: 'up' } },
      error: {},
      details: { neon: { status: 'up' } },
    });
  });

  it('GET /health/live answers 200 without touching a database', async () => {
    const res = await fetch(`${t.baseUrl}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', info: {} });
  });

  it('GET /health/ready reports the database and the migrations', async () => {
    const res = await fetch(`${t.baseUrl}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      info: { neon: { status: 'up' }, migrations: { status: 'up' } },
    });
  });
});

describe('health probes while user queries hold every pooled connection', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { DB_POOL_MAX: '3' } });
  });
  afterAll(() => t?.close());

  it('still answer 200 on their own connection', async () => {
    const dataSource = t.app.get(DataSource);
    // Three slow queries hold the whole pool, as a burst of costly retrievals would; each
    // outlasts the probe budget (1.5 s) by far.
    const slow = Array.from({ length: 3 }, () => dataSource.query('SELECT pg_sleep(3)'));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const path of ['/db/status/neon', '/health/ready']) {
        const res = await fetch(`${t.baseUrl}${path}`);
        expect([path, res.status]).toEqual([path, 200]);
        expect((await res.json()).status).toBe('ok');
      }
    } finally {
      await Promise.all(slow);
    }
  }, 20_000);
});

describe('health probes when PostgreSQL hangs or is gone', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let app: Awaited<ReturnType<typeof createApp>>;
  let baseUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    app = await createApp({ databaseUrl: viaProxy.toString() });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    proxy.thaw();
    await app?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('answers 503 with reason "timeout" within 2 s when the database stops answering', async () => {
    expect((await fetch(`${baseUrl}/db/status/neon`)).status).toBe(200);
    proxy.freeze();
    const started = Date.now();
    const res = await fetch(`${baseUrl}/db/status/neon`);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'error', error: { neon: { status: 'down', reason: 'timeout' } } });
    expect(elapsed).toBeLessThan(2_000);
    const text = JSON.stringify(body);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('postgres');
  });

  it('keeps /health/live at 200 and /health/ready at 503 while the database is out', async () => {
    expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
    const ready = await fetch(`${baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
  });

  it('answers 503 with neon down once the database is gone', async () => {
    await proxy.close();
    const res = await fetch(`${baseUrl}/db/status/neon`);
    expect(res.status).toBe(503);
    expect((await res.json()).error.neon.status).toBe('down');
  });
});
