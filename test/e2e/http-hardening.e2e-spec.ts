import { request as httpRequest } from 'node:http';
import { startTestApp, type TestApp } from '../support/app';
import { partialRequest, type PartialRequest } from '../support/partial-request';

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

  it('answers refusals of the framework itself (414, a bad URL, 413, 415, 400, 404) in the common error shape, with the request id', async () => {
    const json = { 'content-type': 'application/json' };
    const cases: [string, string, RequestInit, number, string][] = [
      ['a path parameter past its length', `/v1/users/${'a'.repeat(600)}`, {}, 414, 'URI_TOO_LONG'],
      ['a path that does not decode', '/v1/users/%E0%A4%A', {}, 400, 'INVALID_URL'],
      [
        'a body past the limit',
        '/v1/users',
        { method: 'POST', headers: json, body: `"${'a'.repeat(5_000)}"` },
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'a content type not parsed',
        '/v1/users',
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'malformed JSON',
        '/v1/users',
        { method: 'POST', headers: json, body: '{"email": ' },
        400,
        'VALIDATION_FAILED',
      ],
      ['an unknown route', '/v1/nowhere', {}, 404, 'ROUTE_NOT_FOUND'],
    ];
    for (const [name, path, init, status, code] of cases) {
      const res = await fetch(`${t.baseUrl}${path}`, init);
      const body = (await res.json()) as Record<string, unknown>;
      expect([name, res.status]).toEqual([name, status]);
      expect([name, body]).toEqual([
        name,
        {
          statusCode: status,
          error: expect.any(String),
          code,
          message: expect.any(String),
          request_id: res.headers.get('x-request-id'),
          ...(body.details !== undefined ? { details: body.details } : {}),
        },
      ]);
      expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    }
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

  it('need an API key, whichever way the path is spelled (the OpenAPI document and /metrics)', async () => {
    for (const path of [
      '/docs-json',
      '/docs-yaml',
      '/%64ocs-json',
      '/docs%2Djson',
      '/docs-json?x=1',
      '/%64ocs-yaml',
      '/metrics',
      '/%6detrics',
    ]) {
      expect([path, (await fetch(`${t.baseUrl}${path}`)).status]).toEqual([path, 401]);
      const keyed = await fetch(`${t.baseUrl}${path}`, { headers: { 'x-api-key': adminKey } });
      expect([path, keyed.status]).toEqual([path, 200]);
    }
    expect((await fetch(`${t.baseUrl}/health/live`)).status).toBe(200);
  });

  it('serve the Swagger UI page without a key (to authorize in), holding no part of the API', async () => {
    const document = await (
      await fetch(`${t.baseUrl}/docs-json`, { headers: { 'x-api-key': adminKey } })
    ).json();
    const revealing = [...Object.keys(document.paths), ...Object.keys(document.components.schemas)];
    expect(revealing).toEqual(expect.arrayContaining(['/v1/retrieve', 'RetrieveRequestDto']));
    for (const path of [
      '/docs',
      '/docs/',
      '/docs?x=1',
      '/%64ocs',
      '/docs/index.html',
      '/docs/swagger-ui-init.js',
      '/%64ocs/swagger-ui-init.js',
    ]) {
      const res = await fetch(`${t.baseUrl}${path}`);
      expect([path, res.status]).toEqual([path, 200]);
      const text = await res.text();
      expect([path, revealing.filter((name) => text.includes(name))]).toEqual([path, []]);
    }
    // The shell the page starts from: the ways to authorize, and no route.
    const init = await (await fetch(`${t.baseUrl}/docs/swagger-ui-init.js`)).text();
    expect(init).toContain('"securitySchemes"');
    expect(init).toContain('"paths": {}');
    expect(init).toContain("download('/docs-json')");
  });
});

/** Resolves with the answer, or with 'no answer' once `ms` have passed. */
const answerWithin = <T>(promise: Promise<T>, ms: number): Promise<T | 'no answer'> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

describe('authentication before the body', () => {
  let t: TestApp;
  const adminKey = `admin-${'b'.repeat(40)}`;
  const keys: Record<string, string> = {};
  const open: PartialRequest[] = [];
  const declared = 60 * 1024 * 1024;
  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_API_KEY: adminKey, RATE_LIMIT_CONCURRENCY: '2' } });
    for (const role of ['reader', 'writer']) {
      const res = await fetch(`${t.baseUrl}/v1/admin/api-keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
        body: JSON.stringify({ name: role, role }),
      });
      keys[role] = ((await res.json()) as { key: string }).key;
    }
  });
  afterEach(() => open.splice(0).forEach((r) => r.abort()));
  afterAll(() => t?.close());

  const startPost = (path: string, headers: Record<string, string> = {}, declaredBytes = declared) => {
    const request = partialRequest(t.baseUrl, 'POST', path, { headers, declaredBytes });
    open.push(request);
    return request;
  };

  it('refuses a 60 MiB body with no key, a wrong key or a reader key before reading it', async () => {
    for (const [headers, status] of [
      [{}, 401],
      [{ 'x-api-key': 'rsk_wrong' }, 401],
      [{ 'x-api-key': keys.reader }, 403],
    ] as const) {
      const answer = await answerWithin(startPost('/v1/ingest', headers).response, 5_000);
      expect([headers, answer === 'no answer' ? answer : answer.status]).toEqual([headers, status]);
    }
  });

  it('reads the large body of a writer (the request is still waiting for it)', async () => {
    const writer = startPost('/v1/ingest', { 'x-api-key': keys.writer });
    expect(await answerWithin(writer.response, 500)).toBe('no answer');
  });

  it('limits the requests one key has in flight, not other keys', async () => {
    const first = startPost('/v1/users', { 'x-api-key': keys.writer }, 1_000);
    const second = startPost('/v1/users', { 'x-api-key': keys.writer }, 1_000);
    // Neither is refused: both are admitted, waiting for their bodies.
    expect(await answerWithin(first.response, 300)).toBe('no answer');
    expect(await answerWithin(second.response, 300)).toBe('no answer');
    const third = await fetch(`${t.baseUrl}/v1/logs`, { headers: { 'x-api-key': keys.writer } });
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(third.headers.get('retry-after')).toBe('1');
    expect((await fetch(`${t.baseUrl}/v1/logs`, { headers: { 'x-api-key': adminKey } })).status).toBe(200);

    first.abort();
    let after = 429;
    for (let i = 0; i < 50 && after === 429; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = (await fetch(`${t.baseUrl}/v1/logs`, { headers: { 'x-api-key': keys.writer } })).status;
    }
    expect(after).toBe(200);
  });
});

describe('failed authentication', () => {
  let t: TestApp;
  const adminKey = `admin-${'f'.repeat(40)}`;
  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_API_KEY: adminKey, AUTH_FAILURE_LIMIT: '3' } });
  });
  afterAll(() => t?.close());

  it('is limited per client address: past the limit even a right guess is refused', async () => {
    const attempt = (key: string) => fetch(`${t.baseUrl}/v1/logs`, { headers: { 'x-api-key': key } });
    for (let i = 0; i < 3; i++) expect((await attempt(`rsk_guess-${i}`)).status).toBe(401);
    const limited = await attempt('rsk_guess-4');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt(adminKey)).status).toBe(429);
    // A missing key is not a guess: it still gets its 401.
    expect((await fetch(`${t.baseUrl}/v1/logs`)).status).toBe(401);
  });
});

describe('development mode (authentication disabled)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const rawGet = (path: string, host: string) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${t.baseUrl}${path}`, { headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  it('parses only JSON: a form or text body (a cross-site "simple" request) is a 415', async () => {
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', 'name=x&role=admin'],
      ['text/plain', '{"name":"x","role":"admin"}'],
      ['multipart/form-data; boundary=b', '--b\r\n\r\nx\r\n--b--'],
    ]) {
      const res = await fetch(`${t.baseUrl}/v1/admin/api-keys`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      expect([type, res.status]).toEqual([type, 415]);
      expect(await res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    const listed = await (await fetch(`${t.baseUrl}/v1/admin/api-keys`)).json();
    expect(listed.items).toEqual([]);
  });

  it('serves only requests addressed to this machine (DNS rebinding)', async () => {
    const port = new URL(t.baseUrl).port;
    expect(await rawGet('/v1/logs', `evil.example.com:${port}`)).toBe(403);
    expect(await rawGet('/v1/logs', 'rebound.attacker.test')).toBe(403);
    expect(await rawGet('/v1/logs', `localhost:${port}`)).toBe(200);
    expect(await rawGet('/v1/logs', `127.0.0.1:${port}`)).toBe(200);
    expect(await rawGet('/v1/logs', `[::1]:${port}`)).toBe(200);
    // The probes answer whatever the Host: orchestrators address them by pod or service name.
    expect(await rawGet('/health/live', 'ragstore.internal')).toBe(200);
  });
});
