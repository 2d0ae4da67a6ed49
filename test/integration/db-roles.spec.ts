import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { applyRoles } from '../../src/database/roles';
import { startTestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

const PASSWORD = 'role-test-password-0123456789';

/** Connects as a role; on a trust-auth server (TEST_DATABASE_URL) the password is simply unused. */
async function as(role: string, db: TestDatabase): Promise<Client> {
  const url = new URL(db.url);
  url.username = role;
  url.password = PASSWORD;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

const denied = /permission denied/;

describe('least-privilege database roles (npm run db:roles)', () => {
  let db: TestDatabase;
  let owner: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new DataSource(buildDataSourceOptions(loadDatabaseConfig({}), db.url));
    await owner.initialize();
    const passwords = { admin: PASSWORD, app: PASSWORD, reader: PASSWORD };
    await owner.transaction((m) => applyRoles(m, passwords));
    // Idempotent: a second run changes nothing and does not fail.
    await owner.transaction((m) => applyRoles(m, passwords));
  });
  afterAll(async () => {
    await owner?.destroy();
    await db?.drop();
  });

  it('ragstore_app writes its tables but can neither rewrite the audit trail nor change the schema', async () => {
    const app = await as('ragstore_app', db);
    try {
      await app.query(`INSERT INTO users (email) VALUES ('role-test@example.com')`);
      await app.query(`UPDATE users SET is_active = false WHERE email = 'role-test@example.com'`);
      await app.query(`INSERT INTO audit_logs (operation_type, resource_type) VALUES ('create', 'user')`);
      expect((await app.query(`SELECT count(*)::int AS n FROM audit_logs`)).rows[0].n).toBe(1);
      await expect(app.query(`UPDATE audit_logs SET operation_type = 'forged'`)).rejects.toThrow(denied);
      await expect(app.query(`DELETE FROM audit_logs`)).rejects.toThrow(denied);
      await expect(app.query(`CREATE TABLE sneaky (id int)`)).rejects.toThrow(denied);
      await expect(app.query(`DROP TABLE chunks`)).rejects.toThrow(/must be owner|permission denied/);
    } finally {
      await app.end();
    }
  });

  it('ragstore_reader reads what retrieval reads and nothing else, and writes nothing', async () => {
    const reader = await as('ragstore_reader', db);
    try {
      await reader.query(`SELECT count(*) FROM chunks`);
      await expect(reader.query(`SELECT * FROM users`)).rejects.toThrow(denied);
      await expect(reader.query(`SELECT * FROM chat_history`)).rejects.toThrow(denied);
      await expect(reader.query(`DELETE FROM chunks`)).rejects.toThrow(denied);
    } finally {
      await reader.end();
    }
  });

  it('ragstore_admin may change the schema (migrations)', async () => {
    const admin = await as('ragstore_admin', db);
    try {
      await admin.query(`CREATE TABLE migration_probe (id int)`);
      await admin.query(`DROP TABLE migration_probe`);
    } finally {
      await admin.end();
    }
  });

  it('is enough to run the service as ragstore_app with migrations applied separately', async () => {
    const url = new URL(db.url);
    url.username = 'ragstore_app';
    url.password = PASSWORD;
    const t = await startTestApp({ databaseUrl: url.toString(), env: { MIGRATIONS_RUN: 'false' } });
    try {
      expect((await fetch(`${t.baseUrl}/health/ready`)).status).toBe(200);
      const created = await fetch(`${t.baseUrl}/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'runs-as-app@example.com' }),
      });
      expect(created.status).toBe(201);
    } finally {
      await t.close();
    }
  });
});
