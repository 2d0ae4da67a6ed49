import { startTestApp, type TestApp } from '../support/app';

describe('HTTP hardening', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { BODY_LIMIT_BYTES: '4096', CORS_ORIGINS: 'https://chat.example.com' } });
  });
  afterAll(() => t?.close());

  const post = (path: string, bytes: number) =>
    fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `${'a'.repeat(bytes)}@example.com` }),
    });

  it('sends security headers', async () => {
    const res = await fetch(`${t.baseUrl}/health/live`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toContain('max-age=');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('answers 413 beyond the body limit of ordinary routes, while ingest takes a full batch', async () => {
    const small = await post('/v1/users', 5_000);
    expect(small.status).toBe(413);
    expect(await small.json()).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    const ingest = await post('/v1/ingest', 5_000);
    expect(ingest.status).toBe(400);
  });

  it('allows only the configured browser origin', async () => {
    const allowed = await fetch(`${t.baseUrl}/v1/logs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://chat.example.com', 'access-control-request-method': 'POST' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://chat.example.com');
    const other = await fetch(`${t.baseUrl}/v1/logs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never returns a stack trace', async () => {
    const res = await fetch(`${t.baseUrl}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email": ',
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/);
  });
});

describe('documentation and metrics in production', () => {
  let t: TestApp;
  const adminKey = `prod-admin-${'x'.repeat(32)}`;
  beforeAll(async () => {
    t = await startTestApp({ env: { NODE_ENV: 'production', ADMIN_API_KEY: adminKey } });
  });
  afterAll(() => t?.close());

  it('need an API key', async () => {
    for (const path of ['/docs', '/docs-json', '/metrics']) {
      expect([path, (await fetch(`${t.baseUrl}${path}`)).status]).toEqual([path, 401]);
      const keyed = await fetch(`${t.baseUrl}${path}`, { headers: { 'x-api-key': adminKey } });
      expect([path, keyed.status]).toEqual([path, 200]);
    }
    expect((await fetch(`${t.baseUrl}/health/live`)).status).toBe(200);
  });
});
