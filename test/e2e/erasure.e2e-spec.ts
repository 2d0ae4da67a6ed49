import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { apiClient, type ApiClient } from '../factories/api-client';
import { buildChatTurn } from '../factories/chat-turn.factory';
import { startTestApp, type TestApp } from '../support/app';

/**
 * Issue 16 item 9: after `DELETE /v1/users/{id}?hard=true` no table — the append-only audit
 * trail included — holds a value the user gave us or a text they wrote.
 */
describe('erasing a user (hard delete)', () => {
  let t: TestApp;
  let api: ApiClient;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    api = apiClient(t.baseUrl);
    db = t.app.get(DataSource);
  });
  afterAll(() => t?.close());

  /** Every row of every table in the schema, as text, that contains `needle`. */
  async function rowsContaining(needle: string): Promise<string[]> {
    const tables = await db.query<{ name: string }[]>(
      `SELECT quote_ident(table_name) AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((row) => row.name)).toEqual(expect.arrayContaining(['audit_logs', 'logs', 'users']));
    const found: string[] = [];
    for (const { name } of tables) {
      const rows = await db.query<{ row: string }[]>(
        `SELECT r::text AS row FROM ${name} r WHERE strpos(lower(r::text), lower($1)) > 0`,
        [needle],
      );
      found.push(...rows.map((r) => `${name}: ${r.row}`));
    }
    return found;
  }

  async function waitForLog(logId: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while ((await db.query(`SELECT 1 FROM logs WHERE log_id = $1`, [logId])).length === 0) {
      if (Date.now() > deadline) throw new Error(`log row ${logId} was not written`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('leaves no email, profile, preference, query or chat text in any table, audit trail included', async () => {
    const mark = randomBytes(5).toString('hex');
    const personal = {
      email: `marie-${mark}@example.com`,
      newEmail: `curie-${mark}@example.org`,
      name: `Marie Sklodowska ${mark}`,
      newName: `Madame Curie ${mark}`,
      preference: `polonium-${mark}`,
      newPreference: `radium-${mark}`,
      query: `where did ${mark} study physics`,
      answer: `In Paris, ${mark}.`,
      secondAnswer: `At the Sorbonne, ${mark}.`,
      chatQuery: `tell me about ${mark} and radioactivity`,
      session: `session-${mark}`,
    };
    const created = await api.post('/v1/users', {
      email: personal.email,
      profile_metadata: { display_name: personal.name },
      preferences: { element: personal.preference },
    });
    expect(created.status).toBe(201);
    const userId = created.body.user_id as string;
    const patched = await api.patch(`/v1/users/${userId}`, {
      email: personal.newEmail,
      profile_metadata: { display_name: personal.newName },
      preferences: { element: personal.newPreference },
    });
    expect(patched.status).toBe(200);
    expect((await api.post(`/v1/users/${userId}/login`)).status).toBe(200);
    const key = await api.post('/v1/admin/api-keys', {
      name: `reader ${mark}`,
      role: 'reader',
      user_id: userId,
    });
    expect(key.status).toBe(201);

    // Two retrievals as the user; one answer attached by PATCH, one through a chat turn.
    const first = await api.post('/v1/retrieve', { query: personal.query, user_id: userId, mode: 'hybrid' });
    expect(first.status).toBe(200);
    const second = await api.post('/v1/retrieve', {
      query: personal.chatQuery,
      user_id: userId,
      mode: 'hybrid',
    });
    expect(second.status).toBe(200);
    await waitForLog(first.body.log_id);
    await waitForLog(second.body.log_id);
    expect((await api.patch(`/v1/logs/${first.body.log_id}`, { response: personal.answer })).status).toBe(
      200,
    );
    const turn = await api.post(
      '/v1/chat/turns',
      buildChatTurn(userId, {
        session_id: personal.session,
        query: personal.chatQuery,
        response: personal.secondAnswer,
        log_id: second.body.log_id,
      }),
    );
    expect(turn.status).toBe(201);

    // Before the erasure the values are stored (so the scan below can find them).
    expect(await rowsContaining(personal.newEmail)).not.toEqual([]);
    expect(await rowsContaining(personal.secondAnswer)).not.toEqual([]);

    expect((await api.delete(`/v1/users/${userId}?hard=true`)).status).toBe(204);

    for (const value of Object.values(personal)) expect(await rowsContaining(value)).toEqual([]);
    expect(await rowsContaining(mark)).toEqual([]);
    expect(
      await db.query(`SELECT log_id FROM logs WHERE log_id = ANY($1)`, [
        [first.body.log_id, second.body.log_id],
      ]),
    ).toEqual([]);

    // The trail still says what happened, to which fields, and by whom.
    const audit = await api.get(`/v1/audit-logs?user_id=${userId}`);
    const kinds = audit.body.items.map(
      (row: { resource_type: string; operation_type: string }) =>
        `${row.resource_type} ${row.operation_type}`,
    );
    expect([...kinds].sort()).toEqual([
      'api_key create',
      'chat_turn create',
      'log update',
      'log update',
      'user create',
      'user hard_delete',
      'user login',
      'user update',
    ]);
    const update = audit.body.items.find(
      (row: { resource_type: string; operation_type: string }) =>
        row.resource_type === 'user' && row.operation_type === 'update',
    );
    expect(update.details).toEqual({
      changed_fields: ['email', 'profile_metadata', 'preferences'],
      actor: { kind: 'auth_disabled' },
    });
    const erased = audit.body.items[0];
    expect(erased.details).toMatchObject({ erased: { chat_history: 1, logs: 2, api_keys: 1 } });
  });
});
