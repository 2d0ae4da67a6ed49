import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { apiClient, collectPages, violations, type ApiClient } from '../factories/api-client';
import { buildChatTurn } from '../factories/chat-turn.factory';
import { buildUser } from '../factories/user.factory';
import { startTestApp, type TestApp } from '../support/app';

describe('users API', () => {
  let t: TestApp;
  let api: ApiClient;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    api = apiClient(t.baseUrl);
    db = t.app.get(DataSource);
  });
  afterAll(() => t?.close());

  const createUser = async (overrides = {}) => {
    const res = await api.post('/v1/users', buildUser(overrides));
    expect(res.status).toBe(201);
    return res.body as { user_id: string; email: string };
  };

  it('creates a user with a trimmed, lower-cased email and reads it back', async () => {
    const res = await api.post('/v1/users', {
      email: '  Ada.Lovelace@Example.COM ',
      preferences: { theme: 'dark' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      user_id: expect.any(String),
      email: 'ada.lovelace@example.com',
      profile_metadata: {},
      preferences: { theme: 'dark' },
      is_active: true,
      last_login: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const read = await api.get(`/v1/users/${res.body.user_id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it('answers 409 DUPLICATE naming email for the same email in another case', async () => {
    await createUser({ email: 'grace@example.com' });
    const res = await api.post('/v1/users', buildUser({ email: 'GRACE@example.com' }));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('DUPLICATE');
    // The field and the rule; never the constraint's name, the SQL or the value.
    expect(res.body.details).toEqual({
      fields: [{ field: 'email', rules: ['unique'], messages: [expect.any(String)] }],
    });
    expect(JSON.stringify(res.body)).not.toMatch(/INSERT|grace@|_key|_idx|constraint/i);
  });

  it('rejects invalid bodies with 400 naming each field and rule', async () => {
    const bad = await api.post('/v1/users', { email: 'not-an-email', profile_metadata: 'x', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(violations(bad.body)).toEqual(
      expect.arrayContaining(['email: isEmail', 'profile_metadata: isObject', 'extra: whitelistValidation']),
    );

    const deep = await api.post(
      '/v1/users',
      buildUser({ preferences: { a: { b: { c: { d: { e: { f: 1 } } } } } } }),
    );
    expect(violations(deep.body)).toEqual(['preferences: maxJsonDepth']);

    const large = await api.post('/v1/users', buildUser({ profile_metadata: { bio: 'x'.repeat(17_000) } }));
    expect(violations(large.body)).toEqual(['profile_metadata: maxJsonBytes']);

    const longEmail = await api.post('/v1/users', { email: `${'a'.repeat(250)}@example.com` });
    expect(violations(longEmail.body)).toContain('email: maxLength');

    const nullPrefs = await api.post('/v1/users', buildUser({ preferences: null as never }));
    expect(violations(nullPrefs.body)).toContain('preferences: isObject');
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    const malformed = await api.get('/v1/users/not-a-uuid');
    expect(malformed.status).toBe(400);
    expect(violations(malformed.body)).toEqual(['user_id: isUUID']);
    for (const res of [
      await api.get(`/v1/users/${randomUUID()}`),
      await api.patch(`/v1/users/${randomUUID()}`, { preferences: {} }),
      await api.post(`/v1/users/${randomUUID()}/login`),
      await api.delete(`/v1/users/${randomUUID()}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
  });

  it('round-trips strings that look like SQL verbatim', async () => {
    const sql = `'; DROP TABLE users; --`;
    const user = await createUser({ profile_metadata: { display_name: sql, "key'); --": sql } });
    const read = await api.get(`/v1/users/${user.user_id}`);
    expect(read.body.profile_metadata).toEqual({ display_name: sql, "key'); --": sql });
    const list = await api.get(`/v1/users?email_prefix=${encodeURIComponent("'; DROP")}`);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    expect(await db.query(`SELECT count(*)::int AS n FROM users WHERE user_id = $1`, [user.user_id])).toEqual(
      [{ n: 1 }],
    );
  });

  it('leaves four audit rows for create, update, login and delete, with ip address and user agent', async () => {
    const headers = { 'user-agent': 'ragstore-e2e/1.0', 'x-request-id': 'audit-trail-test' };
    const created = await api.post('/v1/users', buildUser(), headers);
    const userId = created.body.user_id as string;
    const updated = await api.patch(`/v1/users/${userId}`, { preferences: { theme: 'light' } }, headers);
    expect(updated.status).toBe(200);
    expect(updated.body.preferences).toEqual({ theme: 'light' });
    const login = await api.post(`/v1/users/${userId}/login`, undefined, headers);
    expect(login.status).toBe(200);
    expect(Date.parse(login.body.last_login)).toBeGreaterThan(Date.now() - 60_000);
    expect((await api.delete(`/v1/users/${userId}`, headers)).status).toBe(204);
    expect((await api.get(`/v1/users/${userId}`)).body.is_active).toBe(false);

    const audit = await api.get(`/v1/audit-logs?resource_type=user&resource_id=${userId}`);
    expect(audit.body.items.map((r: { operation_type: string }) => r.operation_type)).toEqual([
      'soft_delete',
      'login',
      'update',
      'create',
    ]);
    for (const row of audit.body.items) {
      expect(row).toMatchObject({
        resource_type: 'user',
        resource_id: userId,
        user_id: userId,
        ip_address: '127.0.0.1',
        user_agent: 'ragstore-e2e/1.0',
        // The server's id, one per request; the caller's is kept beside it.
        request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        details: expect.objectContaining({ client_request_id: 'audit-trail-test' }),
      });
    }
    // Four requests sent with one x-request-id are four request ids in the trail.
    expect(new Set(audit.body.items.map((row: { request_id: string }) => row.request_id)).size).toBe(4);
    const [, , update] = audit.body.items;
    expect(update.details).toEqual({
      // Which fields changed, never their values (they could not be erased with the user).
      changed_fields: ['preferences'],
      client_request_id: 'audit-trail-test',
      // Development mode: no key was checked, and the row says so.
      actor: { kind: 'auth_disabled' },
    });
  });

  it('writes and audits nothing for a PATCH that changes nothing, and refuses login once deactivated', async () => {
    const user = await createUser({ preferences: { a: 1 } });
    expect((await api.patch(`/v1/users/${user.user_id}`, { preferences: { a: 1 } })).status).toBe(200);
    expect((await api.delete(`/v1/users/${user.user_id}`)).status).toBe(204);
    expect((await api.delete(`/v1/users/${user.user_id}`)).status).toBe(204);
    const login = await api.post(`/v1/users/${user.user_id}/login`);
    expect(login.status).toBe(409);
    expect(violations(login.body)).toEqual(['is_active: isActive']);
    const audit = await api.get(`/v1/audit-logs?resource_id=${user.user_id}`);
    expect(audit.body.items.map((r: { operation_type: string }) => r.operation_type)).toEqual([
      'soft_delete',
      'create',
    ]);
  });

  it('hard delete erases the user and their chat history but keeps the audit rows', async () => {
    const user = await createUser();
    expect((await api.post('/v1/chat/turns', buildChatTurn(user.user_id))).status).toBe(201);
    expect((await api.delete(`/v1/users/${user.user_id}?hard=true`)).status).toBe(204);
    expect((await api.get(`/v1/users/${user.user_id}`)).status).toBe(404);
    expect(
      await db.query(`SELECT count(*)::int AS n FROM chat_history WHERE user_id = $1`, [user.user_id]),
    ).toEqual([{ n: 0 }]);
    const audit = await api.get(`/v1/audit-logs?user_id=${user.user_id}`);
    expect(audit.body.items.map((r: { operation_type: string }) => r.operation_type)).toEqual([
      'hard_delete',
      'create',
      'create',
    ]);
    expect((await api.delete(`/v1/users/${user.user_id}?hard=yes`)).status).toBe(400);
  });

  it('lists with filters and pages without repeats while users are being created', async () => {
    const prefix = `page-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 7; i++) await createUser({ email: `${prefix}-${i}@example.com` });
    const inactive = await createUser({ email: `${prefix}-inactive@example.com` });
    await api.delete(`/v1/users/${inactive.user_id}`);

    const seen = await collectPages<{ email: string }>(
      api,
      `/v1/users?email_prefix=${prefix}&is_active=true&limit=3`,
      async (page) => {
        if (page === 1) await createUser({ email: `${prefix}-late@example.com` });
      },
    );
    expect(seen.pages).toBe(3);
    const emails = seen.items.map((u) => u.email);
    expect(new Set(emails).size).toBe(emails.length);
    expect(emails).toEqual([
      ...Array.from({ length: 7 }, (_, i) => `${prefix}-${i}@example.com`),
      `${prefix}-late@example.com`,
    ]);

    const wildcard = await api.get(`/v1/users?email_prefix=${encodeURIComponent('%')}`);
    expect(wildcard.body.items).toEqual([]);
  });
});
