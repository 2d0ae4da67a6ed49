import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { LogsRepository, type NewLogRow } from '../../src/logs/logs.repository';
import { apiClient, collectPages, violations, type ApiClient } from '../factories/api-client';
import { buildLog } from '../factories/log.factory';
import { buildUser } from '../factories/user.factory';
import { startTestApp, type TestApp } from '../support/app';

describe('logs API', () => {
  let t: TestApp;
  let api: ApiClient;
  let db: DataSource;
  let logs: LogsRepository;
  let userId: string;

  beforeAll(async () => {
    t = await startTestApp();
    api = apiClient(t.baseUrl);
    db = t.app.get(DataSource);
    logs = t.app.get(LogsRepository);
    userId = (await api.post('/v1/users', buildUser())).body.user_id;
  });
  afterAll(() => t?.close());

  const insert = (...rows: NewLogRow[]) => db.transaction((manager) => logs.insertMany(manager, rows));

  it('reads one log, 400 on a malformed id and 404 on an unknown one', async () => {
    const [logId] = await insert(
      buildLog({ user_query: `'; DROP TABLE logs; --`, retrieval_mode: 'hybrid' }),
    );
    const res = await api.get(`/v1/logs/${logId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      log_id: logId,
      user_query: `'; DROP TABLE logs; --`,
      retrieval_mode: 'hybrid',
      response: null,
      timings: { search_ms: 5 },
    });
    expect(violations((await api.get('/v1/logs/xyz')).body)).toEqual(['log_id: isUUID']);
    expect((await api.get(`/v1/logs/${randomUUID()}`)).status).toBe(404);
  });

  it('filters by retrieval mode, user and time range, newest first', async () => {
    const base = Date.parse('2030-01-01T00:00:00Z');
    const at = (minutes: number) => new Date(base + minutes * 60_000);
    const ids = await insert(
      buildLog({ timestamp: at(1), retrieval_mode: 'vector', user_id: userId }),
      buildLog({ timestamp: at(2), retrieval_mode: 'hybrid', user_id: userId }),
      buildLog({ timestamp: at(3), retrieval_mode: 'vector' }),
      buildLog({ timestamp: at(4), retrieval_mode: 'vector', user_id: userId }),
    );
    const window = `from=${at(0).toISOString()}&to=${at(4).toISOString()}`;
    const ofUser = await api.get(`/v1/logs?user_id=${userId}&retrieval_mode=vector&${window}`);
    expect(ofUser.body.items.map((l: { log_id: string }) => l.log_id)).toEqual([ids[0]]);
    const inWindow = await api.get(`/v1/logs?${window}`);
    expect(inWindow.body.items.map((l: { log_id: string }) => l.log_id)).toEqual([ids[2], ids[1], ids[0]]);

    const bad = await api.get('/v1/logs?retrieval_mode=fuzzy&user_id=nope&from=yesterday&limit=201');
    expect(violations(bad.body)).toEqual(
      expect.arrayContaining(['retrieval_mode: isIn', 'user_id: isUuid', 'from: isIso8601', 'limit: max']),
    );
  });

  it('pages newest first without repeats or gaps while new logs arrive', async () => {
    const mode = 'selected_text';
    const first = await insert(...Array.from({ length: 7 }, () => buildLog({ retrieval_mode: mode })));
    const late: string[] = [];
    const seen = await collectPages<{ log_id: string }>(
      api,
      `/v1/logs?retrieval_mode=${mode}&limit=3`,
      async (page) => {
        if (page === 1) late.push(...(await insert(buildLog({ retrieval_mode: mode }))));
      },
    );
    const served = seen.items.map((l) => l.log_id);
    expect(new Set(served).size).toBe(served.length);
    expect([...served].sort()).toEqual([...first].sort());
    expect(served).not.toContain(late[0]);
  });

  it('PATCH attaches the response and audits it; an identical PATCH writes nothing', async () => {
    const [logId] = await insert(buildLog());
    const res = await api.patch(`/v1/logs/${logId}`, { response: 'The answer.' });
    expect(res.status).toBe(200);
    expect(res.body.response).toBe('The answer.');
    expect((await api.patch(`/v1/logs/${logId}`, { response: 'The answer.' })).status).toBe(200);
    const audit = await api.get(`/v1/audit-logs?resource_type=log&resource_id=${logId}`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({
      operation_type: 'update',
      // The field, not the answer: the trail is append-only and the text may be personal.
      details: { changed_fields: ['response'] },
    });

    expect(violations((await api.patch(`/v1/logs/${logId}`, {})).body)).toContain('response: isString');
    expect(violations((await api.patch(`/v1/logs/${logId}`, { response: 'x'.repeat(32_001) })).body)).toEqual(
      ['response: maxLength'],
    );
    expect((await api.patch(`/v1/logs/${randomUUID()}`, { response: 'x' })).status).toBe(404);
  });
});
