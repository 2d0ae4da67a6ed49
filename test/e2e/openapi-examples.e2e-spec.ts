import { EXAMPLE_IDS, EXAMPLE_VECTOR } from '../../src/common/api-examples';
import { startTestApp, type TestApp } from '../support/app';
import { unitVector } from '../support/ingest';

const ADMIN_KEY = `admin-${'e'.repeat(40)}`;
const VECTOR_SIZE = 24;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  example?: unknown;
  schema?: { default?: unknown; example?: unknown };
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  examples: [name: string, value: unknown][];
  hasBody: boolean;
  responses: Record<string, any>;
}

/** Rows of one's own that a documented example refers to, made fresh for each call. */
interface Fixture {
  user_id: string;
  chunk_id: string;
  log_id: string;
  audit_log_id: string;
  key_id: string;
  document_reference: string;
  /** The retrieval's conversation (GET /v1/chat/turns?session_id= lists its anonymous turns). */
  session_id: string;
}

/**
 * Swagger as shipped: every request example in the served OpenAPI document, sent as "Try it out"
 * sends it (the example body, the pre-filled query values), is accepted. Ids of one's own rows and
 * embeddings (src/common/api-examples.ts) are replaced by real ones: rows made for the call and
 * vectors of the configured VECTOR_SIZE.
 */
describe('the OpenAPI document as shipped', () => {
  let t: TestApp;
  let document: any;
  let operations: Operation[];
  let fixtures = 0;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method: method.toUpperCase(),
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const expectStatus = async (what: string, res: Promise<{ status: number; body: any }>) => {
    const answer = await res;
    expect([what, answer.status < 300 ? 'ok' : answer.body]).toEqual([what, 'ok']);
    return answer.body;
  };

  const fixture = async (): Promise<Fixture> => {
    const n = ++fixtures;
    const user = await expectStatus('user', call('post', '/v1/users', { email: `fixture-${n}@example.com` }));
    const document_reference = `fixture-${n}.md`;
    const ingest = await expectStatus(
      'ingest',
      call('post', '/v1/ingest', {
        document_reference,
        chunks: [
          {
            chunk_text: `Fixture ${n}: a strain gauge measures force.`,
            embedding: unitVector(VECTOR_SIZE, n),
          },
        ],
      }),
    );
    const retrieval = await expectStatus(
      'retrieve',
      call('post', '/v1/retrieve', {
        query: 'strain gauge force',
        user_id: user.user_id,
        session_id: `s-${n}`,
      }),
    );
    // The log row is written just after the response.
    for (let i = 0; (await call('get', `/v1/logs/${retrieval.log_id}`)).status !== 200; i++) {
      if (i > 100) throw new Error('the retrieval log never appeared');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const key = await expectStatus(
      'key',
      call('post', '/v1/admin/api-keys', { name: `f${n}`, role: 'reader' }),
    );
    const audit = await expectStatus('audit', call('get', '/v1/audit-logs?limit=1'));
    return {
      user_id: user.user_id,
      chunk_id: ingest.chunks[0].chunk_id,
      log_id: retrieval.log_id,
      audit_log_id: audit.items[0].log_id,
      key_id: key.key_id,
      document_reference,
      session_id: `s-${n}`,
    };
  };

  /** What the caller fills in: a path parameter, or a required query value with no default. */
  const valueOf = (op: Operation, name: string, own: Fixture): string => {
    if (name === 'log_id' && op.path.startsWith('/v1/audit-logs')) return own.audit_log_id;
    const value = (own as unknown as Record<string, string>)[name];
    if (value === undefined) throw new Error(`${op.method} ${op.path}: no value for ${name}`);
    return value;
  };

  /** The example with the caller's own ids and VECTOR_SIZE embeddings in place of the placeholders. */
  const withOwnValues = (value: unknown, own: Fixture, key?: string): unknown => {
    if (Array.isArray(value)) {
      // Compared by value: a parsed array has another realm's prototype than the test's.
      if (value.length === EXAMPLE_VECTOR.length && value.every((v, i) => v === EXAMPLE_VECTOR[i]))
        return unitVector(VECTOR_SIZE, 7);
      return value.map((item) => withOwnValues(item, own));
    }
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withOwnValues(v, own, k)]));
    if (key && key in EXAMPLE_IDS && value === EXAMPLE_IDS[key as keyof typeof EXAMPLE_IDS])
      return own[key as keyof Fixture];
    return value;
  };

  /** The request "Try it out" sends: pre-filled query values (example, else default), own ids in the path. */
  const requestPath = (op: Operation, own: Fixture): string => {
    const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      encodeURIComponent(valueOf(op, name, own)),
    );
    const query = new URLSearchParams();
    for (const p of op.parameters.filter((p) => p.in === 'query')) {
      const prefilled = p.example ?? p.schema?.example ?? p.schema?.default;
      if (prefilled !== undefined)
        query.set(p.name, typeof prefilled === 'string' ? prefilled : JSON.stringify(prefilled));
      else if (p.required) query.set(p.name, valueOf(op, p.name, own));
    }
    const search = query.toString();
    return search ? `${path}?${search}` : path;
  };

  beforeAll(async () => {
    // Each operation gets fresh fixtures (an API key, an audit read: admin-class requests), so the
    // admin rate limit would grow with the route table; rate limits are tested elsewhere.
    t = await startTestApp({
      env: { ADMIN_API_KEY: ADMIN_KEY, VECTOR_SIZE: String(VECTOR_SIZE), RATE_LIMIT_ADMIN: '0' },
    });
    document = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(
      ([path, item]) =>
        METHODS.filter((m) => item[m]).map((method) => {
          const content = item[method].requestBody?.content?.['application/json'];
          const examples: [string, unknown][] = content?.examples
            ? Object.entries(content.examples as Record<string, { value: unknown }>).map(([n, e]) => [
                n,
                e.value,
              ])
            : content?.example !== undefined
              ? [['example', content.example]]
              : [];
          return {
            method,
            path,
            parameters: item[method].parameters ?? [],
            examples,
            hasBody: content !== undefined,
            responses: item[method].responses,
          };
        }),
    );
  });
  afterAll(() => t?.close());

  it('documents an example for every request body', () => {
    expect(operations.filter((o) => o.hasBody).length).toBeGreaterThanOrEqual(9);
    expect(
      operations.filter((o) => o.hasBody && o.examples.length === 0).map((o) => `${o.method} ${o.path}`),
    ).toEqual([]);
  });

  it('accepts every documented request example, as "Try it out" sends it (2xx)', async () => {
    let sent = 0;
    for (const op of operations) {
      for (const [name, example] of op.examples.length ? op.examples : [['(no body)', undefined] as const]) {
        const own = await fixture();
        const res = await call(op.method, requestPath(op, own), withOwnValues(example, own));
        expect([`${op.method} ${op.path} ${name}`, res.status < 300 ? 'ok' : res.body]).toEqual([
          `${op.method} ${op.path} ${name}`,
          'ok',
        ]);
        sent++;
      }
    }
    expect(sent).toBeGreaterThan(30);
  }, 180_000);

  it('pre-fills no query value: query parameters have descriptions, and defaults at most', () => {
    const query = operations.flatMap((o) =>
      o.parameters.filter((p) => p.in === 'query').map((p) => ({ at: `${o.method} ${o.path} ${p.name}`, p })),
    );
    expect(query.length).toBeGreaterThan(20);
    expect(
      query.filter(({ p }) => p.example !== undefined || p.schema?.example !== undefined).map((q) => q.at),
    ).toEqual([]);
    expect(query.filter(({ p }) => !p.description).map((q) => q.at)).toEqual([]);
  });

  it('types embeddings as numbers', () => {
    const { schemas } = document.components;
    expect(schemas.IngestChunkDto.properties.embedding).toMatchObject({
      type: 'array',
      items: { type: 'number' },
    });
    expect(schemas.RetrieveRequestDto.properties.query_vector).toMatchObject({
      type: 'array',
      items: { type: 'number' },
    });
  });

  it('describes opaque API keys, not JWTs', () => {
    const { api_key, bearer } = document.components.securitySchemes;
    expect(api_key).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    expect(bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(bearer.bearerFormat).not.toMatch(/jwt/i);
  });

  it('documents 400, 401, 403 and 429, with the error body, on every /v1 route', () => {
    const missing = operations
      .filter((o) => o.path.startsWith('/v1/'))
      .flatMap((o) =>
        ['400', '401', '403', '429']
          .filter(
            (status) =>
              o.responses[status]?.content?.['application/json']?.schema?.$ref !==
              '#/components/schemas/ErrorResponseDto',
          )
          .map((status) => `${o.method} ${o.path} ${status}`),
      );
    expect(missing).toEqual([]);
  });

  it('lists the main flow first: ingestion, retrieval, chat history', () => {
    expect(document.tags.slice(0, 3).map((tag: { name: string }) => tag.name)).toEqual([
      'ingestion',
      'retrieval',
      'chat-history',
    ]);
    const used = new Set(operations.flatMap((o) => document.paths[o.path][o.method].tags));
    expect(document.tags.map((tag: { name: string }) => tag.name).sort()).toEqual([...used].sort());
  });

  it('documents the log rows GET /v1/logs really returns', async () => {
    const own = await fixture();
    const row = (await call('get', `/v1/logs/${own.log_id}`)).body;
    const { LogResponseDto, LogTimingsDto } = document.components.schemas;
    expect(Object.keys(row).sort()).toEqual(Object.keys(LogResponseDto.properties).sort());
    expect(Object.keys(row.timings).sort()).toEqual(Object.keys(LogTimingsDto.properties).sort());
    const trace = LogResponseDto.properties.retrieved_chunks.example[0];
    expect(Object.keys(row.retrieved_chunks[0])).toEqual(expect.arrayContaining(Object.keys(trace)));
    const filters = LogResponseDto.properties.filters.example;
    // document_reference is there when the retrieval filtered on it; the rest always is.
    const always = Object.keys(filters).filter((name) => name !== 'document_reference');
    expect(Object.keys(row.filters)).toEqual(expect.arrayContaining(always));
    const listed = (await call('get', '/v1/logs')).body.items;
    expect(listed.length).toBeGreaterThan(0);
    for (const item of listed)
      expect(Object.keys(item.timings).sort()).toEqual(Object.keys(row.timings).sort());
  });
});
