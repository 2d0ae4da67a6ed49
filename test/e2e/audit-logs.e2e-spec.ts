import { randomUUID } from 'node:crypto';
import { apiClient, collectPages, violations, type ApiClient } from '../factories/api-client';
import { buildUser } from '../factories/user.factory';
import { startTestApp, type TestApp } from '../support/app';

describe('audit logs API', () => {
  let t: TestApp;
  let api: ApiClient;

  beforeAll(async () => {
    t = await startTestApp();
    api = apiClient(t.baseUrl);
  });
  afterAll(() => t?.close());

  const createUser = async () => (await api.post('/v1/users', buildUser())).body.user_id as string;

  it('filters by resource, user, operation type and time range, and reads one row', async () => {
    const before = new Date().toISOString();
    const userId = await createUser();
    await api.post(`/v1/users/${userId}/login`);
    const otherId = await createUser();

    const logins = await api.get(`/v1/audit-logs?operation_type=login&user_id=${userId}`);
    expect(logins.body.items).toHaveLength(1);
    const [login] = logins.body.items;
    expect(login).toMatchObject({ operation_type: 'login', resource_type: 'user', resource_id: userId });

    const byResource = await api.get(
      `/v1/audit-logs?resource_type=user&resource_id=${otherId}&from=${before}`,
    );
    expect(byResource.body.items.map((r: { operation_type: string }) => r.operation_type)).toEqual([
      'create',
    ]);
    const beforeAll = await api.get(`/v1/audit-logs?resource_id=${otherId}&to=${before}`);
    expect(beforeAll.body.items).toEqual([]);

    const one = await api.get(`/v1/audit-logs/${login.log_id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(login);
    expect((await api.get(`/v1/audit-logs/${randomUUID()}`)).status).toBe(404);
    expect(violations((await api.get('/v1/audit-logs/zzz')).body)).toEqual(['log_id: isUUID']);
    expect(violations((await api.get('/v1/audit-logs?operation_type=DROP%20TABLE')).body)).toEqual([
      'operation_type: matches',
    ]);
  });

  it('pages newest first without repeats while writes keep adding rows', async () => {
    const userId = await createUser();
    for (let i = 0; i < 4; i++) await api.patch(`/v1/users/${userId}`, { preferences: { step: i } });
    const seen = await collectPages<{ log_id: string; operation_type: string }>(
      api,
      `/v1/audit-logs?resource_id=${userId}&limit=2`,
      async (page) => {
        if (page === 1) await api.post(`/v1/users/${userId}/login`);
      },
    );
    expect(seen.items.map((r) => r.operation_type)).toEqual([
      'update',
      'update',
      'update',
      'update',
      'create',
    ]);
    expect(new Set(seen.items.map((r) => r.log_id)).size).toBe(5);
  });

  it('has no write endpoints', async () => {
    const userId = await createUser();
    const [row] = (await api.get(`/v1/audit-logs?resource_id=${userId}`)).body.items;
    expect((await api.post('/v1/audit-logs', { operation_type: 'forged' })).status).toBe(404);
    expect((await api.patch(`/v1/audit-logs/${row.log_id}`, { operation_type: 'forged' })).status).toBe(404);
    expect((await api.delete(`/v1/audit-logs/${row.log_id}`)).status).toBe(404);
    expect((await api.get(`/v1/audit-logs/${row.log_id}`)).body.operation_type).toBe('create');
  });
});
