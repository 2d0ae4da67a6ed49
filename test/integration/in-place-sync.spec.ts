import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../../config';
import { DocumentChunksRepository } from '../../src/chunks/document-chunks.repository';
import { buildDataSourceOptions } from '../../src/database/postgres-options';
import { OutboxRepository } from '../../src/sync/outbox.repository';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

const ROWS = 400;
// Book-like paragraphs of ≈ 700 characters, as the bench corpus: a chunk's row is then ≈ 2 kB in
// the heap (text and its tsvector; the embedding goes out of line).
const paragraph = (i: number) =>
  Array.from({ length: 100 }, (_, w) => `word${(i * 7919 + w * 104729) % 3000}`).join(' ');

/**
 * The relay's "synced" update must be heap-only (HOT): a second version of every chunk with new
 * entries in every index (≈ 100 in the full-text GIN alone) doubled the cost of each ingested chunk
 * and left dead versions for the text modes to read until VACUUM.
 */
describe('marking chunks synced', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('updates each row in place, adding no index entries', async () => {
    const dataSource = await new DataSource(
      buildDataSourceOptions(loadDatabaseConfig({}), db.url),
    ).initialize();
    try {
      const ids = Array.from({ length: ROWS }, () => randomUUID());
      await dataSource.transaction((manager) =>
        new DocumentChunksRepository().insertMany(
          manager,
          ids.map((chunk_id, i) => ({
            chunk_id,
            document_reference: 'book',
            chunk_index: i,
            chunk_text: paragraph(i),
            content_hash: chunk_id.replace(/-/g, '').padEnd(64, '0'),
            embedding: Array.from({ length: 1024 }, (_, d) => Math.sin(i + d)),
            embedding_model: 'm',
          })),
        ),
      );
      const outbox = new OutboxRepository(dataSource);
      await outbox.complete([], await outbox.loadLive(ids));
      const [{ synced }] = await dataSource.query<{ synced: number }[]>(
        `SELECT count(*)::int AS synced FROM chunks WHERE sync_status = 'synced'`,
      );
      expect(synced).toBe(ROWS);
    } finally {
      // A backend reports its statistics when it exits, or after 10 s idle (a pooler keeps it).
      await dataSource.destroy();
    }
    let stats = { updated: 0, hot: 0 };
    const deadline = Date.now() + 15_000;
    while (stats.updated < ROWS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      stats = await tableStats(db);
    }
    expect(stats).toEqual({ updated: ROWS, hot: ROWS });
  });
});

/** The chunks table's update counters, read in its own database (statistics are per database). */
async function tableStats(db: TestDatabase): Promise<{ updated: number; hot: number }> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ updated: number; hot: number }>(
      `SELECT n_tup_upd::int AS updated, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = 'chunks'`,
    );
    return rows[0];
  } finally {
    await client.end();
  }
}
