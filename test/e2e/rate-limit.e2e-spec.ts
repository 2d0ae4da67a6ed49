import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/app';

const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

const get = (t: TestApp, path: string) => fetch(`${t.baseUrl}${path}`);

describe('rate limiting (in memory)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_ADMIN: '3', RATE_LIMIT_DEFAULT: '1000' } });
  });
  afterAll(() => t?.close());

  it('answers 429 with Retry-After once a class of routes is over its limit, and leaves other classes alone', async () => {
    for (let i = 0; i < 3; i++) expect((await get(t, '/v1/audit-logs')).status).toBe(200);
    const limited = await get(t, '/v1/audit-logs');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    // The admin class is shared by its routes; other classes and the probes are unaffected.
    expect((await get(t, '/v1/users')).status).toBe(429);
    expect((await get(t, '/v1/logs')).status).toBe(200);
    expect((await get(t, '/health/live')).status).toBe(200);
  });
});

describe('rate limiting shared through Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { REDIS_URL, REDIS_KEY_PREFIX: `test-${randomUUID()}:`, RATE_LIMIT_ADMIN: '4' };
    a = await startTestApp({ env });
    b = await startTestApp({ env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('counts requests to every replica against one limit', async () => {
    expect((await get(a, '/v1/audit-logs')).status).toBe(200);
    expect((await get(b, '/v1/audit-logs')).status).toBe(200);
    expect((await get(a, '/v1/audit-logs')).status).toBe(200);
    expect((await get(b, '/v1/audit-logs')).status).toBe(200);
    expect((await get(a, '/v1/audit-logs')).status).toBe(429);
    expect((await get(b, '/v1/audit-logs')).status).toBe(429);
  });
});
