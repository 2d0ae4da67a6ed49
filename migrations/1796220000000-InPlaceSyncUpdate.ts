import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay marks every chunk it has pushed `synced` (an UPDATE of sync_status, synced_at and
 * embedding_id). That update could not be a heap-only (HOT) one: sync_status was in
 * `chunks_unsynced_idx`, and a full page has no room for the new version. So each chunk was
 * written twice, with a second entry in every index — ≈ 100 lexemes in the full-text GIN and
 * ≈ 18 fingerprints — and the text modes read the dead version too until VACUUM (selected-text
 * statement on 10 000 freshly synced chunks 4.2 → 6.9 ms).
 * - `chunks_unsynced_idx` goes: no statement reads it (unsynced chunks are looked up by id, and
 *   the outbox is the queue of what is left to sync).
 * - fillfactor 50: a chunk's row is ≈ 2 kB in the heap (the embedding is out of line), so a page
 *   keeps room for its rows' next versions and the update stays on the page, touching no index.
 *   Once the rows are synced the heap is about as large as before (41 against 38 MB for 10 000
 *   rows): a full page had sent each new version to a new page.
 * Measured on a copy of `chunks` with 10 000 bench rows: the relay's update 59 → 15 µs a row
 * (inserts 144 µs a row either way). fillfactor applies to pages written from now on.
 */
export class InPlaceSyncUpdate1796220000000 implements MigrationInterface {
  name = 'InPlaceSyncUpdate1796220000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "chunks_unsynced_idx"');
    await queryRunner.query('ALTER TABLE "chunks" SET (fillfactor = 50)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "chunks" RESET (fillfactor)');
    await queryRunner.query(
      `CREATE INDEX "chunks_unsynced_idx" ON "chunks" ("sync_status", "updated_at") WHERE sync_status <> 'synced'`,
    );
  }
}
