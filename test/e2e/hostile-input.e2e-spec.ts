import { startTestApp, type TestApp } from '../support/app';

const HOSTILE = [
  "'; DROP TABLE users; --",
  "x' OR '1'='1",
  'a'.repeat(100_000),
  '\u0000nul',
  '{"$ne": null}',
];
const METHODS = ['get', 'post', 'patch', 'delete'] as const;

type Schema = { type?: string; properties?: Record<string, Schema>; $ref?: string; items?: Schema };

/**
 * Generated from the OpenAPI document, so a new route is covered as soon as it exists: every
 * string in the path, the query and the body gets SQL-looking, oversized and odd values. The
 * answer must be a 2xx/4xx — never a 5xx — and the data must survive.
 */
describe('hostile input on every /v1 route', () => {
  let t: TestApp;
  let document: any;

  beforeAll(async () => {
    t = await startTestApp();
    document = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    await fetch(`${t.baseUrl}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'survivor@example.com' }),
    });
  });
  afterAll(() => t?.close());

  const resolve = (schema: Schema | undefined): Schema | undefined =>
    schema?.$ref ? document.components.schemas[schema.$ref.split('/').pop()!] : schema;

  it('never answers 5xx, and the data survives', async () => {
    const failures: string[] = [];
    let requests = 0;
    for (const [path, item] of Object.entries(document.paths as Record<string, any>)) {
      if (!path.startsWith('/v1/')) continue;
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const stringParams = (operation.parameters ?? []).filter(
          (p: any) => p.schema?.type === 'string' || p.in === 'path',
        );
        const body = resolve(operation.requestBody?.content?.['application/json']?.schema);
        const bodyStrings = Object.entries(resolve(body)?.properties ?? {})
          .filter(([, s]) => resolve(s)?.type === 'string')
          .map(([name]) => name);
        for (const value of HOSTILE) {
          const url = new URL(
            `${t.baseUrl}${path.replace(/\{([^}]+)\}/g, () => encodeURIComponent(value.slice(0, 2000)))}`,
          );
          for (const p of stringParams.filter((p: any) => p.in === 'query'))
            url.searchParams.set(p.name, value);
          const payload = body ? Object.fromEntries(bodyStrings.map((name) => [name, value])) : undefined;
          const res = await fetch(url, {
            method: method.toUpperCase(),
            headers: payload ? { 'content-type': 'application/json' } : {},
            body: payload ? JSON.stringify(payload) : undefined,
          });
          requests++;
          if (res.status >= 500)
            failures.push(`${method.toUpperCase()} ${path} → ${res.status} ${await res.text()}`);
        }
      }
    }
    expect(requests).toBeGreaterThan(50);
    expect(failures).toEqual([]);
    const users = await (await fetch(`${t.baseUrl}/v1/users?limit=10`)).json();
    expect(users.items.map((u: { email: string }) => u.email)).toContain('survivor@example.com');
  }, 60_000);
});
