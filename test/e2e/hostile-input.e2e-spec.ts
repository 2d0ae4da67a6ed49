import { startTestApp, type TestApp } from '../support/app';

const HOSTILE = [
  "'; DROP TABLE users; --",
  "x' OR '1'='1",
  'a'.repeat(100_000),
  '\u0000nul',
  '{"$ne": null}',
];
/** Values PostgreSQL cannot store: refused with a 400 naming the field, wherever they are sent. */
const UNSTORABLE = ['nul\u0000byte', 'lone \ud800 high', 'lone \udc00 low'];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const DEPTH = 5_000;

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

  interface Operation {
    method: string;
    path: string;
    queryStrings: string[];
    hasPathParams: boolean;
    bodyStrings: string[] | undefined;
  }

  const operations = (): Operation[] =>
    Object.entries(document.paths as Record<string, any>)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, item]) =>
        METHODS.filter((method) => item[method]).map((method) => {
          const operation = item[method];
          const body = resolve(operation.requestBody?.content?.['application/json']?.schema);
          return {
            method: method.toUpperCase(),
            path,
            queryStrings: (operation.parameters ?? [])
              .filter((p: any) => p.in === 'query' && p.schema?.type === 'string')
              .map((p: any) => p.name as string),
            hasPathParams: path.includes('{'),
            bodyStrings: body
              ? Object.entries(resolve(body)?.properties ?? {})
                  .filter(([, s]) => resolve(s)?.type === 'string')
                  .map(([name]) => name)
              : undefined,
          };
        }),
      );

  const send = (method: string, url: string, body?: string) =>
    fetch(url, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body,
    });

  it('refuses NUL and lone surrogates with 400 naming the field, in every string field of every route', async () => {
    const failures: string[] = [];
    let requests = 0;
    const expect400 = async (what: string, res: Response, field: string) => {
      requests++;
      const body = await res.json();
      const fields = Array.isArray(body.details) ? body.details.map((d: { field: string }) => d.field) : [];
      if (res.status !== 400 || !fields.includes(field))
        failures.push(`${what} → ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    };
    for (const op of operations()) {
      const concrete = op.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const value of UNSTORABLE) {
        // A URL cannot carry a lone surrogate (it is sent as UTF-8, the surrogate as U+FFFD): NUL only.
        for (const name of value.includes('\u0000') ? op.queryStrings : []) {
          const url = new URL(`${t.baseUrl}${concrete}`);
          url.searchParams.set(name, value);
          await expect400(`${op.method} ${op.path} ?${name}`, await send(op.method, url.href), name);
        }
        for (const name of op.bodyStrings ?? []) {
          const payload = JSON.stringify({ [name]: value });
          await expect400(
            `${op.method} ${op.path} body.${name}`,
            await send(op.method, `${t.baseUrl}${concrete}`, payload),
            name,
          );
        }
        if (op.bodyStrings) {
          // Nested strings and object keys too (metadata, filters, preferences).
          const nested = JSON.stringify({ anything: { deeper: [value] } });
          await expect400(
            `${op.method} ${op.path} nested`,
            await send(op.method, `${t.baseUrl}${concrete}`, nested),
            'anything.deeper.0',
          );
        }
      }
      if (op.hasPathParams) {
        const url = `${t.baseUrl}${op.path.replace(/\{([^}]+)\}/, 'x%00y').replace(/\{[^}]+\}/g, 'z')}`;
        const name = /\{([^}]+)\}/.exec(op.path)![1];
        await expect400(`${op.method} ${op.path} path`, await send(op.method, url), name);
      }
    }
    expect(requests).toBeGreaterThan(60);
    expect(failures).toEqual([]);
  }, 60_000);

  it('refuses query parameters named like Object.prototype members with 400 naming them, on every route', async () => {
    const failures: string[] = [];
    let requests = 0;
    for (const op of operations()) {
      const concrete = op.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype']) {
        for (const query of [`${name}=1`, `${name}=`]) {
          requests++;
          const res = await send(
            op.method,
            `${t.baseUrl}${concrete}?${query}`,
            op.bodyStrings ? '{}' : undefined,
          );
          const body = await res.json();
          const fields = Array.isArray(body.details)
            ? body.details.map((d: { field: string }) => d.field)
            : [];
          if (res.status !== 400 || !fields.includes(name))
            failures.push(
              `${op.method} ${op.path} ?${query} → ${res.status} ${JSON.stringify(body).slice(0, 200)}`,
            );
        }
      }
    }
    expect(requests).toBeGreaterThan(200);
    expect(failures).toEqual([]);
  }, 60_000);

  it(`refuses ${DEPTH}-level nesting on every route that takes a body with 400, and stays responsive`, async () => {
    const deep = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);
    const deepArray = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
    const failures: string[] = [];
    const bodyRoutes = operations().filter((op) => op.bodyStrings);
    expect(bodyRoutes.length).toBeGreaterThan(5);
    for (const op of bodyRoutes) {
      const url = `${t.baseUrl}${op.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000')}`;
      const field = op.bodyStrings![0] ?? 'metadata';
      for (const payload of [deep, deepArray, `{"${field}": ${deep}}`, `{"filter": {"and": ${deepArray}}}`]) {
        const res = await send(op.method, url, payload);
        const body = await res.json();
        if (res.status !== 400 || body.code !== 'VALIDATION_FAILED')
          failures.push(`${op.method} ${op.path} → ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    expect((await fetch(`${t.baseUrl}/health/live`)).status).toBe(200);
  }, 60_000);

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
