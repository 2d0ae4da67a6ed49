import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/app';
import { bookChunks, ingestBody, uniqueDocument } from '../support/ingest';

const ADMIN_KEY = `admin-${'k'.repeat(40)}`;
const ROLES = ['reader', 'writer', 'admin'] as const;
const VECTOR_SIZE = 16;
type Role = (typeof ROLES)[number];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  method: string;
  path: string;
  role: Role | undefined;
  hardDelete: Role | undefined;
  ownedBy: boolean;
}

describe('API keys and roles', () => {
  let t: TestApp;
  const keys: Partial<Record<Role, string>> = {};
  let operations: Operation[];

  const call = (method: string, path: string, key?: string, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method: method.toUpperCase(),
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });

  const createKey = async (role: Role, userId?: string) => {
    const res = await call('post', '/v1/admin/api-keys', ADMIN_KEY, {
      name: `${role}-key`,
      role,
      user_id: userId,
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { key: string; key_id: string; key_prefix: string };
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY, VECTOR_SIZE: String(VECTOR_SIZE) } });
    for (const role of ROLES) keys[role] = (await createKey(role)).key;
    const document = await (await fetch(`${t.baseUrl}/docs-json`)).json();
    operations = Object.entries(document.paths as Record<string, Record<string, any>>)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, item]) =>
        METHODS.filter((m) => item[m]).map((method) => ({
          method,
          path,
          role: item[method]['x-required-role']?.role,
          hardDelete: item[method]['x-required-role']?.hardDelete,
          ownedBy: item[method]['x-owned-by'] !== undefined,
        })),
      );
  });
  afterAll(() => t?.close());

  const concrete = (path: string) => path.replace(/\{[^}]+\}/g, randomUUID());

  it('declares a role on every /v1 route (a route without one fails here)', () => {
    expect(operations.length).toBeGreaterThan(15);
    expect(operations.filter((o) => !o.role).map((o) => `${o.method} ${o.path}`)).toEqual([]);
  });

  it('answers 401 on every /v1 route without a key, or with an unknown one', async () => {
    for (const op of operations) {
      const none = await call(op.method, concrete(op.path));
      expect([`${op.method} ${op.path}`, none.status]).toEqual([`${op.method} ${op.path}`, 401]);
      const body = await none.json();
      expect(body.code).toBe('UNAUTHORIZED');
      const bogus = await call(op.method, concrete(op.path), 'rsk_not-a-real-key');
      expect([`${op.method} ${op.path}`, bogus.status]).toEqual([`${op.method} ${op.path}`, 401]);
    }
  });

  it('answers 403 on every /v1 route to a key one role too weak', async () => {
    for (const op of operations) {
      const below = ROLES[ROLES.indexOf(op.role!) - 1];
      if (!below) continue;
      const res = await call(op.method, concrete(op.path), keys[below]);
      expect([`${op.method} ${op.path}`, res.status]).toEqual([`${op.method} ${op.path}`, 403]);
      expect((await res.json()).code).toBe('FORBIDDEN');
    }
  });

  it('lets the required role through (no 401/403)', async () => {
    // Routes acting for one user are covered by the chat history test below.
    for (const op of operations.filter((o) => !o.ownedBy)) {
      const res = await call(op.method, concrete(op.path), keys[op.role!]);
      expect([`${op.method} ${op.path}`, [401, 403].includes(res.status)]).toEqual([
        `${op.method} ${op.path}`,
        false,
      ]);
    }
  });

  it('needs admin for hard deletes where a writer may soft-delete', async () => {
    const hardDeletes = operations.filter((o) => o.hardDelete);
    expect(hardDeletes.length).toBeGreaterThanOrEqual(2);
    for (const op of hardDeletes) {
      const path = `${concrete(op.path)}${op.path.includes('documents') ? '?document_reference=x.pdf&' : '?'}hard=true`;
      expect((await call(op.method, path, keys.writer)).status).toBe(403);
      expect([401, 403]).not.toContain((await call(op.method, path, keys.admin)).status);
    }
  });

  it('shows a key once; lists never show it; a revoked key stops working', async () => {
    const created = await createKey('writer');
    expect(created.key).toMatch(/^rsk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.key_prefix)).toBe(true);
    const list = await (await call('get', '/v1/admin/api-keys?limit=200', ADMIN_KEY)).json();
    expect(JSON.stringify(list)).not.toContain(created.key);
    expect(list.items.find((k: { key_id: string }) => k.key_id === created.key_id)).toMatchObject({
      role: 'writer',
    });
    expect((await call('get', '/v1/logs', created.key)).status).toBe(200);
    expect((await call('delete', `/v1/admin/api-keys/${created.key_id}`, ADMIN_KEY)).status).toBe(200);
    expect((await call('get', '/v1/logs', created.key)).status).toBe(401);
    expect((await call('delete', `/v1/admin/api-keys/${created.key_id}`, ADMIN_KEY)).status).toBe(404);
  });

  it('accepts the key as x-api-key too', async () => {
    const res = await fetch(`${t.baseUrl}/v1/logs`, { headers: { 'x-api-key': keys.writer! } });
    expect(res.status).toBe(200);
  });

  it('does not let a reader read or write another user’s chat history', async () => {
    const user = async (email: string) =>
      (await (await call('post', '/v1/users', ADMIN_KEY, { email })).json()).user_id as string;
    const alice = await user(`alice-${randomUUID()}@example.com`);
    const bob = await user(`bob-${randomUUID()}@example.com`);
    const alicesKey = (await createKey('reader', alice)).key;

    expect((await call('get', `/v1/users/${alice}/chat-history`, alicesKey)).status).toBe(200);
    expect((await call('get', `/v1/users/${bob}/chat-history`, alicesKey)).status).toBe(403);
    const turn = { query: 'q', response: 'r', source_chunks: [] };
    expect((await call('post', '/v1/chat/turns', alicesKey, { ...turn, user_id: alice })).status).toBe(201);
    expect((await call('post', '/v1/chat/turns', alicesKey, { ...turn, user_id: bob })).status).toBe(403);
    expect((await call('get', `/v1/users/${bob}/chat-history`, keys.reader)).status).toBe(403);
    expect((await call('get', `/v1/users/${bob}/chat-history`, keys.writer)).status).toBe(200);
  });

  it('lets a reader key bound to no user record anonymous turns only; a bound key’s turns stay its user’s', async () => {
    const alice = (
      await (
        await call('post', '/v1/users', ADMIN_KEY, { email: `anon-a-${randomUUID()}@example.com` })
      ).json()
    ).user_id as string;
    const alicesKey = (await createKey('reader', alice)).key;
    const session = `anon-${randomUUID()}`;
    const turn = { query: 'q', response: 'r', source_chunks: [], session_id: session };

    const anonymous = await call('post', '/v1/chat/turns', keys.reader, turn);
    expect(anonymous.status).toBe(201);
    expect((await anonymous.json()).user_id).toBeNull();
    const named = await call('post', '/v1/chat/turns', keys.reader, { ...turn, user_id: alice });
    expect(named.status).toBe(403);
    expect((await named.json()).message).toBe(
      'A reader key bound to no user may act only anonymously: leave user_id out',
    );

    // Alice's key leaving user_id out still files the turn under Alice, never as anonymous.
    const bound = await call('post', '/v1/chat/turns', alicesKey, turn);
    expect(bound.status).toBe(201);
    expect((await bound.json()).user_id).toBe(alice);

    const listed = await (await call('get', `/v1/chat/turns?session_id=${session}`, keys.reader)).json();
    expect(listed.items.map((t: { user_id: string | null }) => t.user_id)).toEqual([null]);
    expect((await call('get', `/v1/chat/turns?session_id=${session}`)).status).toBe(401);
  });

  it('stores a bound reader’s retrievals as its own user, and refuses another user’s id', async () => {
    const user = async (email: string) =>
      (await (await call('post', '/v1/users', ADMIN_KEY, { email })).json()).user_id as string;
    const alice = await user(`alice-${randomUUID()}@example.com`);
    const bob = await user(`bob-${randomUUID()}@example.com`);
    const alicesKey = (await createKey('reader', alice)).key;

    const asBob = await call('post', '/v1/retrieve', alicesKey, { query: 'gyroscope', user_id: bob });
    expect(asBob.status).toBe(403);
    for (const body of [{ query: 'gyroscope' }, { query: 'gyroscope', user_id: alice }]) {
      const res = await call('post', '/v1/retrieve', alicesKey, body);
      expect(res.status).toBe(200);
      const { log_id } = await res.json();
      let log = await call('get', `/v1/logs/${log_id}`, ADMIN_KEY);
      for (let i = 0; i < 100 && log.status === 404; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        log = await call('get', `/v1/logs/${log_id}`, ADMIN_KEY);
      }
      expect((await log.json()).user_id).toBe(alice);
    }
    // A reader key bound to no user (a service) may still name any user.
    expect(
      (await call('post', '/v1/retrieve', keys.reader, { query: 'gyroscope', user_id: bob })).status,
    ).toBe(200);
  });

  it('audits key creation and revocation, and names the acting key on every write', async () => {
    const created = await createKey('writer');
    const audit = async (resourceType: string, resourceId: string) =>
      (
        await (
          await call(
            'get',
            `/v1/audit-logs?resource_type=${resourceType}&resource_id=${resourceId}`,
            ADMIN_KEY,
          )
        ).json()
      ).items;
    expect((await call('delete', `/v1/admin/api-keys/${created.key_id}`, ADMIN_KEY)).status).toBe(200);
    const keyRows = await audit('api_key', created.key_id);
    expect(keyRows.map((r: { operation_type: string }) => r.operation_type).sort()).toEqual([
      'create',
      'revoke',
    ]);
    for (const row of keyRows) {
      expect(row.details).toMatchObject({
        role: 'writer',
        actor: { kind: 'bootstrap_admin', role: 'admin' },
      });
      expect(JSON.stringify(row)).not.toContain(created.key);
    }

    // A stored admin key creating a user: the row is about the user, and names the key as the actor.
    const writer = await createKey('admin');
    const user = await (
      await call('post', '/v1/users', writer.key, { email: `w-${randomUUID()}@example.com` })
    ).json();
    const [userRow] = await audit('user', user.user_id);
    expect(userRow.user_id).toBe(user.user_id);
    expect(userRow.details.actor).toEqual({ kind: 'api_key', key_id: writer.key_id, role: 'admin' });

    // Chunk writes go through the chunk unit of work, which audits through the same writer.
    const ingester = await createKey('writer');
    const document = uniqueDocument('audited');
    const ingest = await call(
      'post',
      '/v1/ingest',
      ingester.key,
      ingestBody(document, bookChunks(1, VECTOR_SIZE)),
    );
    expect([201, 202]).toContain(ingest.status);
    const rows = (
      await (await call('get', '/v1/audit-logs?operation_type=ingest&limit=50', ADMIN_KEY)).json()
    ).items as { details: { actor?: unknown } }[];
    expect(rows.map((r) => r.details.actor)).toContainEqual({
      kind: 'api_key',
      key_id: ingester.key_id,
      role: 'writer',
    });
  });

  it('revokes a user’s keys at once when the user is deactivated or erased; binds only reader keys', async () => {
    const user = async () =>
      (await (await call('post', '/v1/users', ADMIN_KEY, { email: `u-${randomUUID()}@example.com` })).json())
        .user_id as string;
    for (const hard of [false, true]) {
      const userId = await user();
      const key = (await createKey('reader', userId)).key;
      expect((await call('get', `/v1/users/${userId}/chat-history`, key)).status).toBe(200);
      expect((await call('delete', `/v1/users/${userId}${hard ? '?hard=true' : ''}`, ADMIN_KEY)).status).toBe(
        204,
      );
      // Within the key cache's lifetime (30 s here): the revocation does not wait for it.
      const after = await call('get', `/v1/users/${userId}/chat-history`, key);
      expect([hard, after.status]).toEqual([hard, 401]);
    }
    const bound = await call('post', '/v1/admin/api-keys', ADMIN_KEY, {
      name: 'writer-as-someone',
      role: 'writer',
      user_id: await user(),
    });
    expect(bound.status).toBe(400);
    expect((await bound.json()).details).toEqual([
      expect.objectContaining({ field: 'user_id', rules: ['readerOnly'] }),
    ]);
  });

  it('keeps the probes public', async () => {
    for (const path of ['/health/live', '/health/ready', '/db/status/neon', '/db/status/qdrant']) {
      expect((await call('get', path)).status).toBe(200);
    }
  });
});
