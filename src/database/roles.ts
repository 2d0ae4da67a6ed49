import type { EntityManager } from 'typeorm';

export const ROLE_NAMES = {
  admin: 'ragstore_admin',
  app: 'ragstore_app',
  reader: 'ragstore_reader',
} as const;

/** What retrieval reads: a reporting or retrieval-only replica can run as ragstore_reader. */
const READER_TABLES = ['chunks', 'vector_collections'];
/** Append-only for everyone but the owner: the trigger refuses UPDATE/DELETE too, belt and braces. */
const APPEND_ONLY_TABLES = ['audit_logs'];

export interface RolePasswords {
  admin?: string;
  app?: string;
  reader?: string;
}

/**
 * Least-privilege roles, idempotently (run it after every migration; it also fixes drift):
 * - ragstore_admin: runs migrations (DDL in the schema).
 * - ragstore_app: what the service needs — DML on its tables, only SELECT/INSERT on audit_logs,
 *   no DDL.
 * - ragstore_reader: SELECT on what retrieval reads.
 * On Neon, run it as the project owner (neondb_owner); see docs.
 */
export async function applyRoles(manager: EntityManager, passwords: RolePasswords): Promise<void> {
  const [{ db: database }] = await manager.query<{ db: string }[]>(`SELECT current_database() AS db`);
  for (const [key, role] of Object.entries(ROLE_NAMES) as [keyof RolePasswords, string][]) {
    await manager.query(
      // Roles are cluster-wide: another database's run may create the role at the same moment.
      `DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} LOGIN; END IF;
       EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
       END $$`,
    );
    const password = passwords[key];
    if (password) await manager.query(`ALTER ROLE ${role} PASSWORD ${quoteLiteral(password)}`);
    await manager.query(`GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${role}`);
    await manager.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  }
  const { admin, app, reader } = ROLE_NAMES;
  await manager.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
  await manager.query(`GRANT CREATE ON SCHEMA public TO ${admin}`);
  await manager.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${admin}`);
  await manager.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${admin}`);

  await manager.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app}`);
  await manager.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${app}`);
  for (const table of APPEND_ONLY_TABLES) {
    await manager.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${quoteIdent(table)} FROM ${app}`);
  }
  await manager.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${reader}`);
  for (const table of READER_TABLES) await manager.query(`GRANT SELECT ON ${quoteIdent(table)} TO ${reader}`);
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;
