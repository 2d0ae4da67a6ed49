import { randomUUID } from 'node:crypto';
import { apiClient, violations, type ApiClient } from '../factories/api-client';
import { buildUser } from '../factories/user.factory';
import { startTestApp, type TestApp } from '../support/app';

/** The rules every list shares: limit bounds and opaque cursors. */
describe('list validation', () => {
  let t: TestApp;
  let api: ApiClient;
  let lists: string[];

  beforeAll(async () => {
    t = await startTestApp();
    api = apiClient(t.baseUrl);
    const userId = (await api.post('/v1/users', buildUser())).body.user_id;
    lists = [
      '/v1/users?',
      '/v1/chunks?document_reference=doc&',
      '/v1/logs?',
      `/v1/users/${userId}/chat-history?`,
      '/v1/audit-logs?',
    ];
  });
  afterAll(() => t?.close());

  it('defaults to 50 items and rejects a limit outside 1–200, naming limit', async () => {
    for (const list of lists) {
      expect((await api.get(list)).status).toBe(200);
      for (const [limit, rule] of [
        ['0', 'min'],
        ['201', 'max'],
        ['ten', 'isInt'],
      ]) {
        const res = await api.get(`${list}limit=${limit}`);
        expect(res.status).toBe(400);
        expect(violations(res.body)).toContain(`limit: ${rule}`);
      }
    }
  });

  it('rejects a cursor it did not issue with 400 naming cursor, never a 500', async () => {
    const forged = [
      'not-base64!',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from(JSON.stringify(["'; DROP TABLE users; --", randomUUID()])).toString('base64url'),
      Buffer.from(JSON.stringify(['1', '2', '3'])).toString('base64url'),
    ];
    for (const list of lists) {
      for (const cursor of forged) {
        const res = await api.get(`${list}cursor=${encodeURIComponent(cursor)}`);
        expect(res.status).toBe(400);
        expect(violations(res.body)).toEqual(['cursor: isCursor']);
      }
    }
  });

  it('rejects unknown query parameters and body fields by name', async () => {
    expect(violations((await api.get('/v1/logs?order=asc')).body)).toEqual(['order: whitelistValidation']);
    const body = await api.post('/v1/users', { ...buildUser(), is_admin: true });
    expect(violations(body.body)).toEqual(['is_admin: whitelistValidation']);
  });

  it('rejects query parameters named like Object.prototype members instead of dropping them', async () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const res = await api.get(`/v1/logs?${name}=x`);
      expect([name, res.status, violations(res.body)]).toEqual([name, 400, [`${name}: whitelist`]]);
    }
  });

  it('answers 400, not 500, for text PostgreSQL cannot store', async () => {
    const res = await api.post('/v1/users', buildUser({ profile_metadata: { name: 'nul\u0000byte' } }));
    expect(res.status).toBe(400);
    // Refused before any query, naming the field.
    expect(violations(res.body)).toEqual(['profile_metadata.name: storableText']);
  });
});
