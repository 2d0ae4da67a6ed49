import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildChatTurn } from '../factories/chat-turn.factory';
import { buildUser } from '../factories/user.factory';
import { apiClient } from '../factories/api-client';
import { startTestApp, type TestApp } from '../support/app';
import { bookChunks, ingestBody, uniqueDocument, unitVector } from '../support/ingest';
import { createTestDatabase, withAdminClient, type TestDatabase } from '../support/postgres';
import { waitForLogRow } from '../support/retrieval-logs';
import { runCliScript } from './cli-run';

const DIM = 8;
const ENV = { VECTOR_SIZE: String(DIM), OUTBOX_POLL_MS: '100', RETRIEVAL_LOG_FLUSH_MS: '20' };

/** What a restore must reproduce: row counts, and digests of every chunk's text and embedding. */
const fingerprint = (url: string) =>
  withAdminClient(async (c) => {
    const tables = [
      'users',
      'chunks',
      'logs',
      'chat_history',
      'audit_logs',
      'vector_collections',
      'vector_outbox',
    ];
    const counts: Record<string, number> = {};
    for (const table of tables)
      counts[table] = (await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    const { rows } = await c.query<{ text: string; embedding: string; deleted: number }>(
      `SELECT md5(string_agg(chunk_id || ':' || chunk_text, ',' ORDER BY chunk_id)) AS text,
              md5(string_agg(chunk_id || ':' || encode(embedding, 'hex'), ',' ORDER BY chunk_id)) AS embedding,
              count(deleted_at)::int AS deleted
         FROM chunks`,
    );
    return { counts, ...rows[0] };
  }, url);

describe('npm run backup / npm run restore', () => {
  let source: TestApp;
  let restored: TestApp | undefined;
  let target: TestDatabase;
  const backups = mkdtempSync(join(tmpdir(), 'ragstore-backups-'));
  const targetData = mkdtempSync(join(tmpdir(), 'ragstore-restored-'));

  beforeAll(async () => {
    source = await startTestApp({ env: ENV });
    target = await createTestDatabase({ empty: true });
    const api = apiClient(source.baseUrl);
    for (const seed of [1, 2]) {
      const res = await api.post('/v1/ingest', ingestBody(uniqueDocument(), bookChunks(30, DIM, { seed })));
      expect(res.status).toBe(201);
    }
    const firstChunk = (await api.post('/v1/retrieve', { query_vector: unitVector(DIM, 7), top_k: 1 })).body;
    await api.delete(`/v1/chunks/${firstChunk.results[0].chunk_id as string}`); // one soft-deleted row
    for (let i = 0; i < 3; i++) {
      const user = (await api.post('/v1/users', buildUser())).body.user_id as string;
      const retrieval = await api.post('/v1/retrieve', {
        query_vector: unitVector(DIM, 100 + i),
        top_k: 3,
        user_id: user,
      });
      // The retrieval's log row is written off the hot path: wait for it before citing it.
      while ((await api.get(`/v1/logs/${retrieval.body.log_id as string}`)).status !== 200) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const turn = await api.post(
        '/v1/chat/turns',
        buildChatTurn(user, { log_id: retrieval.body.log_id as string }),
      );
      expect(turn.status).toBe(201);
    }
  }, 30_000);

  afterAll(async () => {
    await restored?.close();
    await source.close();
    await target.drop();
    rmSync(backups, { recursive: true, force: true });
    rmSync(targetData, { recursive: true, force: true });
  });

  it('backs up a populated stack and restores it into a fresh database and vector store: same rows, same chunks, same answers', async () => {
    const before = await fingerprint(source.db.url);
    expect(before.counts.logs).toBeGreaterThanOrEqual(4);
    expect(before.counts.chat_history).toBe(3);
    expect(before.deleted).toBe(1);

    const backup = await runCliScript('backup', ['--out', backups], { ...ENV, DATABASE_URL: source.db.url });
    expect(backup.output).toMatch(/Backed up .* to .*ragstore-\d{8}T\d{9}Z\.ndjson\.gz/);
    expect(backup.code).toBe(0);
    const [archive] = readdirSync(backups);

    const restore = await runCliScript('restore', [join(backups, archive)], {
      ...ENV,
      DATABASE_URL: target.url,
      DATA_DIR: targetData,
    });
    expect(restore.output).toContain(`chunks=${before.counts.chunks}`);
    expect(restore.output).toMatch(/Vector index rebuilt: 59 points/);
    expect(restore.code).toBe(0);

    expect(await fingerprint(target.url)).toEqual(before);

    restored = await startTestApp({ databaseUrl: target.url, dataDir: targetData, env: ENV });
    const query = { query_vector: unitVector(DIM, 42), top_k: 5, mode: 'vector' };
    const answer = async (t: TestApp, url: string) => {
      const res = await apiClient(t.baseUrl).post('/v1/retrieve', query);
      expect(res.status).toBe(200);
      // The log row is written after the answer; the next test counts the rows.
      await waitForLogRow(url, res.body.log_id);
      return (res.body.results as { chunk_id: string; chunk_text: string }[]).map((r) => [
        r.chunk_id,
        r.chunk_text,
      ]);
    };
    expect(await answer(restored, target.url)).toEqual(await answer(source, source.db.url));
    // New rows still get fresh identity values after the restored ones.
    const ingest = await apiClient(restored.baseUrl).post(
      '/v1/ingest',
      ingestBody(uniqueDocument(), bookChunks(2, DIM, { seed: 9 })),
    );
    expect(ingest.status).toBe(201);
  }, 45_000);

  it('refuses to restore into a database that holds rows, and changes nothing', async () => {
    const [archive] = readdirSync(backups);
    const before = await fingerprint(target.url);
    const again = await runCliScript('restore', [join(backups, archive)], {
      ...ENV,
      DATABASE_URL: target.url,
      DATA_DIR: targetData,
    });
    expect(again.output).toMatch(
      /The target database .* is not empty \(.*chunks: \d+ rows.*\); restore only into an empty database/,
    );
    expect(again.code).toBe(1);
    expect(await fingerprint(target.url)).toEqual(before);
  }, 20_000);
});
