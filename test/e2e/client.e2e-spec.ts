import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRagstoreClient, type RagstoreClient } from '../../client';
import { CLIENT_DIR, CLIENT_FILES } from '../../src/cli/client-generate';
import { startTestApp, type TestApp } from '../support/app';
import { unitVector } from '../support/ingest';

const ROOT = join(__dirname, '..', '..');
const GENERATOR = join(ROOT, 'src', 'cli', 'client-generate.ts');
const ADMIN_KEY = `admin-${'c'.repeat(40)}`;
const VECTOR_SIZE = 32;

describe('client:generate', () => {
  const check = (dir?: string) =>
    spawnSync(
      process.execPath,
      ['-r', '@swc-node/register', GENERATOR, '--check', ...(dir ? ['--dir', dir] : [])],
      {
        cwd: ROOT,
        env: process.env,
        encoding: 'utf8',
      },
    );

  it('the committed client matches the controllers (`npm run client:generate -- --check` exits 0)', () => {
    const run = check();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 90_000);

  it('--check notices a client that no longer matches', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragstore-client-'));
    try {
      cpSync(CLIENT_DIR, dir, { recursive: true });
      const schema = join(dir, 'schema.ts');
      writeFileSync(schema, readFileSync(schema, 'utf8').replace("'/v1/retrieve': {", "'/v1/retrieval': {"));
      const run = check(dir);
      expect(run.stderr).toBe(
        'client/schema.ts: differs from the controllers; run `npm run client:generate` and commit\n',
      );
      expect(run.status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

/**
 * The chat frontend's flow through the typed client, so the documented contract (client/openapi.json)
 * is the one the service keeps: ingest, retrieve, record the chat turn, read the history.
 */
describe('the main flow through the typed client', () => {
  let t: TestApp;
  let admin: RagstoreClient;

  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY, VECTOR_SIZE: String(VECTOR_SIZE) } });
    admin = createRagstoreClient({ baseUrl: `${t.baseUrl}/`, apiKey: ADMIN_KEY });
  });
  afterAll(() => t?.close());

  it('serves the committed document', async () => {
    const served = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    expect(served).toEqual(JSON.parse(readFileSync(CLIENT_FILES.document, 'utf8')));
  });

  it('ingests, retrieves with citations, records the chat turn and reads it back', async () => {
    const ingest = await admin.POST('/v1/ingest', {
      body: {
        document_reference: 'lighthouse.md',
        wait_ms: 5_000,
        chunks: [
          {
            chunk_text: 'The lighthouse keeper lit the lamp at dusk every evening.',
            page_reference: 3,
            section_title: 'Chapter 1',
          },
          {
            chunk_text: 'Ships steered by the beam through the storm.',
            embedding: unitVector(VECTOR_SIZE, 2),
            page_reference: 4,
            section_title: 'Chapter 1',
          },
        ],
      },
    });
    expect(ingest.error).toBeUndefined();
    expect(ingest.response.status).toBe(201);
    expect(ingest.data!.created).toBe(2);

    const user = await admin.POST('/v1/users', { body: { email: 'keeper@example.com' } });
    const userId = user.data!.user_id;
    const key = await admin.POST('/v1/admin/api-keys', {
      body: { name: 'chat-frontend', role: 'reader', user_id: userId },
    });
    const reader = createRagstoreClient({ baseUrl: t.baseUrl, apiKey: key.data!.key });

    const retrieval = await reader.POST('/v1/retrieve', {
      body: { query: 'When did the keeper light the lamp?', mode: 'hybrid', top_k: 2, session_id: 'book-1' },
    });
    expect(retrieval.error).toBeUndefined();
    const { results, log_id } = retrieval.data!;
    expect(results[0]).toMatchObject({ document_reference: 'lighthouse.md', page_reference: 3 });
    expect(results[0].citation).toContain('Chapter 1');

    // The log row is written just after the response (a frontend records the turn after generating).
    for (let i = 0; (await admin.GET('/v1/logs/{log_id}', { params: { path: { log_id } } })).error; i++) {
      if (i > 100) throw new Error('the retrieval log never appeared');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const turn = await reader.POST('/v1/chat/turns', {
      body: {
        user_id: userId,
        session_id: 'book-1',
        query: 'When did the keeper light the lamp?',
        response: 'At dusk, every evening.',
        source_chunks: results.map(({ chunk_id, citation }) => ({ chunk_id, citation })),
        log_id,
      },
    });
    expect(turn.error).toBeUndefined();
    expect(turn.response.status).toBe(201);

    const history = await reader.GET('/v1/users/{user_id}/chat-history', {
      params: { path: { user_id: userId }, query: { session_id: 'book-1' } },
    });
    expect(history.data!.items.map((item) => [item.response, item.log_id])).toEqual([
      ['At dusk, every evening.', log_id],
    ]);
    const log = await admin.GET('/v1/logs/{log_id}', { params: { path: { log_id } } });
    expect(log.data!.response).toBe('At dusk, every evening.');
  });

  it('returns the documented error body, typed, on a refusal', async () => {
    const refused = await admin.POST('/v1/retrieve', {
      body: { query: 'both', query_vector: unitVector(VECTOR_SIZE, 1) },
    });
    expect(refused.data).toBeUndefined();
    expect(refused.response.status).toBe(400);
    expect(refused.error).toMatchObject({ code: 'VALIDATION_FAILED', request_id: expect.any(String) });
    const anonymous = await createRagstoreClient({ baseUrl: t.baseUrl }).GET('/v1/logs', {});
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.error?.code).toBe('UNAUTHORIZED');
  });
});
