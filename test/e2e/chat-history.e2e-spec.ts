import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createRagstoreClient } from '../../client';
import { LogsRepository } from '../../src/logs/logs.repository';
import { apiClient, collectPages, violations, type ApiClient } from '../factories/api-client';
import type { CreateChatTurnDto } from '../../src/chat-history/dto/create-chat-turn.dto';
import { buildChatTurn } from '../factories/chat-turn.factory';
import { buildLog } from '../factories/log.factory';
import { buildUser } from '../factories/user.factory';
import { startTestApp, type TestApp } from '../support/app';

describe('chat history API', () => {
  let t: TestApp;
  let api: ApiClient;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    api = apiClient(t.baseUrl);
    db = t.app.get(DataSource);
  });
  afterAll(() => t?.close());

  const createUser = async () => (await api.post('/v1/users', buildUser())).body.user_id as string;
  const createLog = async (userId: string | null) =>
    (
      await db.transaction((m) => t.app.get(LogsRepository).insertMany(m, [buildLog({ user_id: userId })]))
    )[0];
  const count = async (sql: string, params: unknown[]) => (await db.query<{ n: number }[]>(sql, params))[0].n;

  it('records a turn, attaches its response to the log and audits it, all verbatim', async () => {
    const userId = await createUser();
    const logId = await createLog(userId);
    const body = buildChatTurn(userId, {
      log_id: logId,
      query: `'; DROP TABLE users; --`,
      response: `"); --`,
    });
    // Through the typed client (client/), as the chat frontend records a turn.
    const ragstore = createRagstoreClient({ baseUrl: t.baseUrl, headers: { 'user-agent': 'chat-e2e' } });
    const turn = await ragstore.POST('/v1/chat/turns', { body });
    expect(turn.response.status).toBe(201);
    const res = { body: turn.data! };
    expect(res.body).toEqual({
      chat_id: expect.any(String),
      user_id: userId,
      session_id: 'session-1',
      query: `'; DROP TABLE users; --`,
      response: `"); --`,
      source_chunks: body.source_chunks,
      log_id: logId,
      timestamp: expect.any(String),
    });
    const log = await ragstore.GET('/v1/logs/{log_id}', { params: { path: { log_id: logId } } });
    expect(log.data!.response).toBe(`"); --`);
    const audit = await ragstore.GET('/v1/audit-logs', {
      params: { query: { resource_type: 'chat_turn', resource_id: res.body.chat_id } },
    });
    expect(audit.data!.items).toEqual([
      expect.objectContaining({
        operation_type: 'create',
        user_id: userId,
        user_agent: 'chat-e2e',
        // Names and ids only: the session id is the client's choice and may be personal.
        details: {
          log_id: logId,
          source_chunk_count: 1,
          actor: { kind: 'auth_disabled' },
        },
      }),
    ]);
  });

  it('answers 400 naming fields, 404 for an unknown user or log, 409 for an inactive user or a foreign log', async () => {
    const userId = await createUser();
    const bad = await api.post('/v1/chat/turns', {
      user_id: 'nope',
      query: '',
      response: 1,
      source_chunks: {},
      log_id: 'x',
      session_id: 'has space',
    });
    expect(violations(bad.body)).toEqual(
      expect.arrayContaining([
        'user_id: isUuid',
        'query: isNotEmpty',
        'response: isString',
        'source_chunks: isArray',
        'log_id: isUuid',
        'session_id: matches',
      ]),
    );
    const tooMany = buildChatTurn(userId, { source_chunks: Array.from({ length: 101 }, () => ({})) });
    expect(violations((await api.post('/v1/chat/turns', tooMany)).body)).toEqual([
      'source_chunks: arrayMaxSize',
    ]);

    expect((await api.post('/v1/chat/turns', buildChatTurn(randomUUID()))).status).toBe(404);
    expect((await api.post('/v1/chat/turns', buildChatTurn(userId, { log_id: randomUUID() }))).status).toBe(
      404,
    );
    // Another user's log, or a log of no user, is "not found": the same answer as a log that does
    // not exist, and its response stays as it was.
    const foreignLog = await createLog(await createUser());
    const anonymousLog = await createLog(null);
    for (const logId of [foreignLog, anonymousLog]) {
      const foreign = await api.post('/v1/chat/turns', buildChatTurn(userId, { log_id: logId }));
      expect(foreign.status).toBe(404);
      expect(foreign.body.code).toBe('NOT_FOUND');
      expect((await api.get(`/v1/logs/${logId}`)).body.response).toBeNull();
    }
    await api.delete(`/v1/users/${userId}`);
    expect((await api.post('/v1/chat/turns', buildChatTurn(userId))).status).toBe(409);
    expect(await count(`SELECT count(*)::int AS n FROM chat_history WHERE user_id = $1`, [userId])).toBe(0);
  });

  it('records an anonymous reader’s turns by session (no user), lists them newest first, links only anonymous logs', async () => {
    const session = `anon-${randomUUID()}`;
    const anonymous = (overrides: Record<string, unknown> = {}) => {
      const turn: Partial<CreateChatTurnDto> = buildChatTurn(randomUUID(), {
        session_id: session,
        ...overrides,
      });
      delete turn.user_id;
      return turn;
    };
    const anonymousLog = await createLog(null);
    const first = await api.post('/v1/chat/turns', anonymous({ query: 'first', log_id: anonymousLog }));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ user_id: null, session_id: session, log_id: anonymousLog });
    expect((await api.get(`/v1/logs/${anonymousLog}`)).body.response).toBe(first.body.response);
    expect((await api.post('/v1/chat/turns', anonymous({ query: 'second' }))).status).toBe(201);

    // A user's turn in a session of the same name is not part of the anonymous conversation.
    const userId = await createUser();
    await api.post('/v1/chat/turns', buildChatTurn(userId, { session_id: session, query: 'theirs' }));
    const listed = await api.get(`/v1/chat/turns?session_id=${encodeURIComponent(session)}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((t: { query: string }) => t.query)).toEqual(['second', 'first']);
    expect((await collectPages(api, `/v1/chat/turns?session_id=${session}&limit=1`)).items).toHaveLength(2);

    // An anonymous turn never names a user's log, and needs its session.
    const usersLog = await createLog(userId);
    const foreign = await api.post('/v1/chat/turns', anonymous({ log_id: usersLog }));
    expect(foreign.status).toBe(404);
    expect((await api.get(`/v1/logs/${usersLog}`)).body.response).toBeNull();
    const withoutSession = anonymous();
    delete withoutSession.session_id;
    const noSession = await api.post('/v1/chat/turns', withoutSession);
    expect(noSession.status).toBe(400);
    expect(noSession.body.details).toEqual([
      expect.objectContaining({
        field: 'session_id',
        messages: expect.arrayContaining([
          'session_id is required for a turn without user_id (an anonymous reader)',
        ]),
      }),
    ]);
    expect(violations((await api.get('/v1/chat/turns')).body)).toEqual(
      expect.arrayContaining(['session_id: isString']),
    );
  });

  it('never replaces a response already recorded on the log, and audits the one it sets', async () => {
    const userId = await createUser();
    const logId = await createLog(userId);
    const first = await api.post(
      '/v1/chat/turns',
      buildChatTurn(userId, { log_id: logId, response: 'first' }),
    );
    expect(first.status).toBe(201);
    // The same answer again (a retried request) is harmless; a different one is refused.
    expect(
      (await api.post('/v1/chat/turns', buildChatTurn(userId, { log_id: logId, response: 'first' }))).status,
    ).toBe(201);
    const second = await api.post(
      '/v1/chat/turns',
      buildChatTurn(userId, { log_id: logId, response: 'other' }),
    );
    expect(second.status).toBe(409);
    expect(violations(second.body)).toEqual(['log_id: responseNotSet']);
    expect((await api.get(`/v1/logs/${logId}`)).body.response).toBe('first');
    const audit = await api.get(`/v1/audit-logs?resource_type=log&resource_id=${logId}`);
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        operation_type: 'update',
        user_id: userId,
        details: {
          changed_fields: ['response'],
          via: 'chat_turn',
          actor: { kind: 'auth_disabled' },
        },
      }),
    ]);
  });

  it('rolls back the turn and the log response when the audit row (the last statement) fails', async () => {
    const userId = await createUser();
    const logId = await createLog(userId);
    // Fault injection in the database, not in the code: refuse this one audit row.
    await db.query(`CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.resource_type = 'chat_turn' AND NEW.user_id = '${userId}' THEN
          RAISE EXCEPTION 'injected audit failure' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(
      `CREATE TRIGGER fail_audit BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION fail_audit()`,
    );
    try {
      const res = await api.post('/v1/chat/turns', buildChatTurn(userId, { log_id: logId }));
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).not.toContain('injected');
    } finally {
      await db.query(`DROP TRIGGER fail_audit ON audit_logs`);
      await db.query(`DROP FUNCTION fail_audit()`);
    }
    expect(await count(`SELECT count(*)::int AS n FROM chat_history WHERE user_id = $1`, [userId])).toBe(0);
    expect((await api.get(`/v1/logs/${logId}`)).body.response).toBeNull();
    expect(
      await count(
        `SELECT count(*)::int AS n FROM audit_logs WHERE resource_type = 'chat_turn' AND user_id = $1`,
        [userId],
      ),
    ).toBe(0);
  });

  it('lists a user’s turns newest first, by session, across pages while turns are added', async () => {
    const userId = await createUser();
    const other = await createUser();
    await api.post('/v1/chat/turns', buildChatTurn(other));
    const queries: string[] = [];
    for (let i = 0; i < 5; i++) {
      const query = `question ${i}`;
      queries.push(query);
      await api.post('/v1/chat/turns', buildChatTurn(userId, { query, session_id: i % 2 ? 'odd' : 'even' }));
    }
    const seen = await collectPages<{ query: string }>(
      api,
      `/v1/users/${userId}/chat-history?limit=2`,
      async (page) => {
        if (page === 1) await api.post('/v1/chat/turns', buildChatTurn(userId, { query: 'late' }));
      },
    );
    expect(seen.items.map((turn) => turn.query)).toEqual([...queries].reverse());
    const odd = await api.get(`/v1/users/${userId}/chat-history?session_id=odd`);
    expect(odd.body.items.map((turn: { query: string }) => turn.query)).toEqual(['question 3', 'question 1']);

    expect((await api.get(`/v1/users/${randomUUID()}/chat-history`)).status).toBe(404);
    expect(violations((await api.get('/v1/users/1/chat-history')).body)).toEqual(['user_id: isUUID']);
  });
});
