import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { LogsRepository } from '../../src/logs/logs.repository';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

describe('LogsRepository.insertMany', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let logs: LogsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource(buildDataSourceOptions(loadDatabaseConfig({}), db.url));
    await dataSource.initialize();
    logs = new LogsRepository(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('stores every field as given, in one statement, and returns the ids in the order of the rows', async () => {
    const given = randomUUID();
    const at = new Date('2026-11-30T12:34:56.789Z');
    const awkward = `quotes " and ' and \\ backslash, tab\t, new\nline, emoji 🤖, ${'é'.repeat(3)}`;
    const ids = await dataSource.transaction((m) =>
      logs.insertMany(m, [
        { user_query: 'first', retrieval_mode: 'vector' },
        {
          log_id: given,
          user_query: awkward,
          retrieval_mode: 'hybrid',
          retrieved_chunks: [{ chunk_id: 'c1', score: 0.5, text: awkward }],
          response: awkward,
          timestamp: at,
          request_id: 'req-1',
          filters: { document_reference: 'doc "a"' },
          timings: { total_ms: 1.25 },
        },
        { user_query: 'third', retrieval_mode: 'selected_text' },
      ]),
    );
    expect(ids).toHaveLength(3);
    expect(ids[1]).toBe(given);
    const rows = await dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM logs WHERE log_id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], log_id)`,
      [ids],
    );
    expect(rows.map((row) => row.user_query)).toEqual(['first', awkward, 'third']);
    expect(rows[1]).toMatchObject({
      retrieval_mode: 'hybrid',
      retrieved_chunks: [{ chunk_id: 'c1', score: 0.5, text: awkward }],
      response: awkward,
      timestamp: at,
      request_id: 'req-1',
      user_id: null,
      filters: { document_reference: 'doc "a"' },
      timings: { total_ms: 1.25 },
    });
    // Omitted fields take the columns' defaults.
    expect(rows[0]).toMatchObject({ retrieved_chunks: [], response: null, filters: {}, timings: {} });
    expect(Math.abs((rows[0].timestamp as Date).getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('is all or nothing: a row the table refuses fails the batch', async () => {
    const before = await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM logs');
    await expect(
      dataSource.transaction((m) =>
        logs.insertMany(m, [
          { user_query: 'fine', retrieval_mode: 'vector' },
          { user_query: 'unknown user', retrieval_mode: 'vector', user_id: randomUUID() },
        ]),
      ),
    ).rejects.toMatchObject({ driverError: { code: '23503' } });
    expect(await dataSource.query('SELECT count(*)::int AS n FROM logs')).toEqual(before);
  });
});
