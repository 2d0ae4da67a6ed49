import { Logger } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError } from '../common/errors';
import { OpenAiEmbeddingProvider } from './openai-embedding.provider';

type Handler = (req: IncomingMessage, body: any, res: ServerResponse) => void;

/** A loopback OpenAI-compatible endpoint whose answers each test scripts, one per request. */
describe('OpenAiEmbeddingProvider (against a loopback server)', () => {
  let server: Server;
  let baseUrl: string;
  let script: Handler[];
  let seen: { headers: IncomingMessage['headers']; body: any; url?: string }[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw || '{}');
        seen.push({ headers: req.headers, body, url: req.url });
        const handler = script.shift() ?? ((_r, _b, s) => s.writeHead(500).end());
        handler(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  // The retries' warnings are expected here: captured (and asserted on), not printed as if failing.
  let warnings: string[];
  beforeEach(() => {
    script = [];
    seen = [];
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
  });
  afterEach(() => jest.restoreAllMocks());

  const provider = (overrides: Partial<ConstructorParameters<typeof OpenAiEmbeddingProvider>[0]> = {}) =>
    new OpenAiEmbeddingProvider({
      baseUrl,
      model: 'text-embedding-3-small',
      apiKey: 'sk-test',
      dimension: 3,
      timeoutMs: 500,
      maxRetries: 2,
      retryBaseMs: 5,
      ...overrides,
    });
  const json = (status: number, payload: unknown, headers: Record<string, string> = {}): Handler => {
    return (_req, _body, res) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    };
  };
  const embeddings = (...vectors: number[][]) =>
    json(200, {
      object: 'list',
      data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    });

  it('posts the texts to <base>/embeddings with the model and the key, and returns vectors in input order', async () => {
    script.push(
      json(200, {
        data: [
          { index: 1, embedding: [0, 1, 0] },
          { index: 0, embedding: [1, 0, 0] },
        ],
      }),
    );
    const vectors = await provider().embed(['first', 'second']);
    expect(vectors.map((v) => Array.from(v))).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(seen).toHaveLength(1);
    expect(seen[0].url).toBe('/v1/embeddings');
    expect(seen[0].headers.authorization).toBe('Bearer sk-test');
    expect(seen[0].body).toEqual({
      model: 'text-embedding-3-small',
      input: ['first', 'second'],
      encoding_format: 'float',
    });
  });

  it('sends no authorization header without a key (local servers such as Ollama)', async () => {
    script.push(embeddings([1, 2, 3]));
    await provider({ apiKey: undefined }).embed(['x']);
    expect(seen[0].headers.authorization).toBeUndefined();
  });

  it('retries 429 and 5xx with backoff, then succeeds', async () => {
    script.push(json(429, { error: { message: 'slow down' } }), json(503, {}), embeddings([1, 2, 3]));
    const [vector] = await provider().embed(['x']);
    expect(Array.from(vector)).toEqual([1, 2, 3]);
    expect(seen).toHaveLength(3);
    expect(warnings).toEqual([
      expect.stringMatching(/^Embedding attempt 1 failed \(HTTP 429\); retrying in \d+ ms$/),
      expect.stringMatching(/^Embedding attempt 2 failed \(HTTP 503\); retrying in \d+ ms$/),
    ]);
  });

  it('gives up after the retry budget with EMBEDDING_UNAVAILABLE, passing on the provider’s Retry-After', async () => {
    script.push(json(429, {}, { 'retry-after': '0' }), json(429, {}, { 'retry-after': '7' }));
    await expect(provider({ maxRetries: 1 }).embed(['x'])).rejects.toMatchObject({
      code: 'EMBEDDING_UNAVAILABLE',
      upstream: { service: 'embedding provider', status: 429, retryAfterSeconds: 7 },
    });
  });

  it('gives up after the retry budget with EMBEDDING_UNAVAILABLE', async () => {
    script.push(json(500, {}), json(502, {}), json(503, {}), embeddings([1, 2, 3]));
    await expect(provider().embed(['x'])).rejects.toMatchObject({
      code: 'EMBEDDING_UNAVAILABLE',
      message: expect.stringContaining('after 3 attempt(s): HTTP 503'),
    });
    expect(seen).toHaveLength(3);
  });

  it('reports a provider that never answers as EMBEDDING_TIMEOUT once the retries are spent', async () => {
    script.push(
      () => undefined,
      (_req, _body, res) => {
        // Headers at once, then a body that never ends: the timeout covers the whole answer.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data": [');
      },
    );
    await expect(provider({ timeoutMs: 100, maxRetries: 1 }).embed(['x'])).rejects.toMatchObject({
      code: 'EMBEDDING_TIMEOUT',
      upstream: { service: 'embedding provider' },
    });
    expect(seen).toHaveLength(2);
  });

  it('times out a hung request and retries it', async () => {
    script.push(() => undefined /* never answers */, embeddings([1, 2, 3]));
    const started = Date.now();
    const [vector] = await provider({ timeoutMs: 150 }).embed(['x']);
    expect(Array.from(vector)).toEqual([1, 2, 3]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('does not retry a refusal (4xx); marks it the provider’s (status only for clients), its message scrubbed', async () => {
    const echoed = `Incorrect API key provided: Bearer sk-test-SECRET. Also ${'x'.repeat(5_000)}`;
    script.push(json(401, { error: { message: echoed } }), embeddings([1, 2, 3]));
    const error = await provider({ apiKey: 'sk-test-SECRET' })
      .embed(['x'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'EMBEDDING_REJECTED',
      upstream: { service: 'embedding provider', status: 401 },
    });
    expect((error as Error).message).toContain('HTTP 401 (Incorrect API key provided: [redacted]');
    expect((error as Error).message).not.toContain('sk-test');
    expect((error as Error).message.length).toBeLessThan(400);
    expect(seen).toHaveLength(1);
  });

  it('refuses an answer larger than the request can need, without buffering it', async () => {
    script.push((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // 8 MiB for one 3-dimension vector: the provider (or something in between) is misbehaving.
      const block = ' '.repeat(64 * 1024);
      for (let i = 0; i < 128; i++) res.write(block);
      res.end('{"data": []}');
    });
    await expect(provider().embed(['x'])).rejects.toMatchObject({
      code: 'EMBEDDING_REJECTED',
      message: expect.stringContaining('more than 1048576 bytes'),
    });
  });

  it('rejects an answer that does not hold one embedding per input', async () => {
    script.push(embeddings([1, 2, 3]));
    await expect(provider().embed(['a', 'b'])).rejects.toMatchObject({
      code: 'EMBEDDING_REJECTED',
      message: expect.stringContaining('1 usable embedding(s) for 2 input(s)'),
    });
  });

  it('reports an unreachable endpoint as EMBEDDING_UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      provider({ baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 1 }).embed(['x']),
    ).rejects.toMatchObject({
      code: 'EMBEDDING_UNAVAILABLE',
      message: expect.stringContaining('unreachable'),
    });
  });
});
