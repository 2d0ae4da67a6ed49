import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprints } from '../../src/chunks/text-shingles';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { schemaDiff } from '../../src/database/schema-diff';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

const ROOT = join(__dirname, '..', '..');

/** A child process's exit code and output (it exits non-zero without throwing). */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, options, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Every column the specification names (T019–T023), by table. */
const SPEC_COLUMNS: Record<string, string[]> = {
  chunks: [
    'chunk_id',
    'document_reference',
    'page_reference',
    'section_title',
    'chunk_text',
    'embedding_id',
    'created_at',
    'updated_at',
    'processing_version',
  ],
  logs: ['log_id', 'user_query', 'retrieved_chunks', 'response', 'timestamp', 'retrieval_mode'],
  chat_history: ['chat_id', 'user_id', 'query', 'response', 'source_chunks', 'timestamp'],
  users: ['user_id', 'created_at', 'email', 'profile_metadata', 'preferences', 'is_active', 'last_login'],
  audit_logs: [
    'log_id',
    'operation_type',
    'resource_type',
    'resource_id',
    'user_id',
    'operation_timestamp',
    'details',
    'ip_address',
    'user_agent',
  ],
};
const OUR_TABLES = [...Object.keys(SPEC_COLUMNS), 'vector_outbox', 'vector_collections', 'api_keys'];

describe('migrations', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    dataSource = new DataSource(buildDataSourceOptions(loadDatabaseConfig({}), db.url));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const tables = async (): Promise<string[]> =>
    (
      await dataSource.query<{ table_name: string }[]>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY($1)`,
        [OUR_TABLES],
      )
    )
      .map((r) => r.table_name)
      .sort();

  it('create every table with every column the specification names', async () => {
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await tables()).toEqual([...OUR_TABLES].sort());
    for (const [table, columns] of Object.entries(SPEC_COLUMNS)) {
      const rows = await dataSource.query<{ column_name: string }[]>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [table],
      );
      expect(rows.map((r) => r.column_name)).toEqual(expect.arrayContaining(columns));
    }
  });

  it('match the entities exactly: generating a migration now would produce nothing', async () => {
    const pending = await schemaDiff(dataSource);
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('`npm run migration:generate` says so in one line, with no pg DeprecationWarning', async () => {
    const { code, stdout, stderr } = await run(
      process.execPath,
      ['-r', '@swc-node/register', 'src/database/migration-cli.ts', 'generate', 'NothingToDo'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, LOG_LEVEL: 'info' },
      },
    );
    expect(code).toBe(0);
    expect(`${stdout}${stderr}`).toContain('The entities match the schema: nothing to generate');
    expect(stderr).not.toContain('DeprecationWarning');
    expect(readdirSync(join(ROOT, 'migrations')).filter((f) => f.includes('NothingToDo'))).toEqual([]);
  }, 60_000);

  it('revert cleanly, one by one, and apply again', async () => {
    const applied = (await dataSource.query<unknown[]>(`SELECT * FROM typeorm_migrations`)).length;
    for (let i = 0; i < applied; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await tables()).toEqual([...OUR_TABLES].sort());
    expect(await dataSource.showMigrations()).toBe(false);
  });

  it('backfill the fingerprints of chunks written before selected text used them', async () => {
    // Back to just before SelectionFingerprints; the migrations after it are undone first and
    // re-applied with it.
    const last = async () =>
      (
        await dataSource.query<{ name: string }[]>(
          `SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1`,
        )
      )[0]?.name;
    while ((await last()) !== 'SelectionFingerprints1763940000000') {
      await dataSource.undoLastMigration({ transaction: 'each' });
    }
    await dataSource.undoLastMigration({ transaction: 'each' });
    const text = 'The left rear motor drew far more current than expected while the rover climbed the ridge.';
    await dataSource.query(
      `INSERT INTO chunks (chunk_id, document_reference, chunk_index, chunk_text, content_hash, embedding, embedding_model)
       VALUES (gen_random_uuid(), 'old.pdf', 0, $1, repeat('a', 64), '\\x00', 'm')`,
      [text],
    );
    await dataSource.runMigrations({ transaction: 'each' });
    const [row] = await dataSource.query<{ fingerprints: number[] }[]>(
      `SELECT fingerprints FROM chunks WHERE document_reference = 'old.pdf'`,
    );
    expect(row.fingerprints).toEqual(fingerprints(text));
    expect(row.fingerprints.length).toBeGreaterThan(0);
    await dataSource.query(`DELETE FROM chunks WHERE document_reference = 'old.pdf'`);
  });

  it('make audit_logs append-only in the database itself', async () => {
    await dataSource.query(
      `INSERT INTO audit_logs (operation_type, resource_type, resource_id) VALUES ('create', 'user', 'u1')`,
    );
    await expect(dataSource.query(`UPDATE audit_logs SET operation_type = 'forged'`)).rejects.toThrow(
      /audit_logs is append-only: UPDATE is not allowed/,
    );
    await expect(dataSource.query(`DELETE FROM audit_logs`)).rejects.toThrow(/append-only: DELETE/);
    await expect(dataSource.query(`TRUNCATE audit_logs`)).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await dataSource.query(`SELECT operation_type FROM audit_logs`)).toEqual([
      { operation_type: 'create' },
    ]);
  });
});
