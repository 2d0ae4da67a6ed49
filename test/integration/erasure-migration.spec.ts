import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { ErasureLeavesNoPersonalData1796170000000 } from '../../migrations/1796170000000-ErasureLeavesNoPersonalData';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

/**
 * The one migration allowed to rewrite the append-only audit trail: it scrubs the personal values
 * rows written before issue 16 item 9 still hold, and leaves the trail append-only again.
 */
describe('migration ErasureLeavesNoPersonalData', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource(buildDataSourceOptions(loadDatabaseConfig({}), db.url));
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const insertAudit = (resourceType: string, details: object) =>
    dataSource.query<{ log_id: string }[]>(
      `INSERT INTO audit_logs (operation_type, resource_type, resource_id, details)
       VALUES ('update', $1, gen_random_uuid()::text, $2) RETURNING log_id`,
      [resourceType, JSON.stringify(details)],
    );
  const detailsOf = async (logId: string) =>
    (
      await dataSource.query<{ details: object }[]>(`SELECT details FROM audit_logs WHERE log_id = $1`, [
        logId,
      ])
    )[0].details;

  it('replaces old and new values of personal fields by the field names, keeps the rest, and re-arms the trigger', async () => {
    const actor = { kind: 'api_key', key_id: '7d0d2b8e-4a57-4c09-9a5b-1d1c6c0f4d11', role: 'writer' };
    const [user] = await insertAudit('user', {
      changes: {
        email: { old: 'old@example.com', new: 'new@example.com' },
        preferences: { old: {}, new: { a: 1 } },
      },
      actor,
    });
    const [log] = await insertAudit('log', {
      changes: { response: { old: null, new: 'My private answer' } },
      via: 'chat_turn',
    });
    const [turn] = await insertAudit('chat_turn', {
      session_id: 'alice@example.com',
      log_id: null,
      source_chunk_count: 2,
    });
    const [chunk] = await insertAudit('chunk', { changes: { section_title: { old: 'A', new: 'B' } } });

    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    await new ErasureLeavesNoPersonalData1796170000000().up(runner);
    await runner.commitTransaction();
    await runner.release();

    expect(await detailsOf(user.log_id)).toEqual({ changed_fields: ['email', 'preferences'], actor });
    expect(await detailsOf(log.log_id)).toEqual({ changed_fields: ['response'], via: 'chat_turn' });
    expect(await detailsOf(turn.log_id)).toEqual({ log_id: null, source_chunk_count: 2 });
    // Book metadata is not personal: chunk rows keep their values.
    expect(await detailsOf(chunk.log_id)).toEqual({ changes: { section_title: { old: 'A', new: 'B' } } });
    const text = JSON.stringify(
      await dataSource.query(`SELECT details FROM audit_logs WHERE resource_type <> 'chunk'`),
    );
    expect(text).not.toMatch(/example\.com|private answer/);

    // Append-only again, for everyone.
    await expect(
      dataSource.query(`UPDATE audit_logs SET details = '{}' WHERE log_id = $1`, [user.log_id]),
    ).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM audit_logs WHERE log_id = $1`, [user.log_id])).rejects.toThrow(
      /append-only/,
    );
  });

  it('makes erasing a user take their retrieval logs with them', async () => {
    const [{ user_id }] = await dataSource.query<{ user_id: string }[]>(
      `INSERT INTO users (email) VALUES ('erase-me@example.com') RETURNING user_id`,
    );
    await dataSource.query(
      `INSERT INTO logs (user_query, retrieval_mode, user_id) VALUES ('my question', 'vector', $1)`,
      [user_id],
    );
    await dataSource.query(`DELETE FROM users WHERE user_id = $1`, [user_id]);
    expect(await dataSource.query(`SELECT 1 FROM logs WHERE user_query = 'my question'`)).toEqual([]);
  });
});
