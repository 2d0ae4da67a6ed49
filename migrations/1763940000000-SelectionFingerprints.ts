import type { MigrationInterface, QueryRunner } from 'typeorm';
import { fingerprintsLiteral } from '../src/chunks/text-shingles';

const NORMALISED = `btrim(regexp_replace(lower(chunk_text), '[^[:alnum:]]+', ' ', 'g'))`;
const BACKFILL_PAGE = 1_000;

/**
 * Selected-text retrieval finds candidate chunks by winnowed hashes of six-word runs
 * (`fingerprints`, computed by the application when a row is written: src/chunks/text-shingles.ts)
 * instead of a trigram index over a stored normalised copy of the text. Per inserted row the
 * trigram index and its generated column cost PostgreSQL ≈ 225 µs, the fingerprints ≈ 70 µs, and
 * the relay's sync update paid the trigram index a second time. Existing rows are backfilled here,
 * a page at a time.
 */
export class SelectionFingerprints1763940000000 implements MigrationInterface {
  name = 'SelectionFingerprints1763940000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "chunks" ADD "fingerprints" integer array NOT NULL DEFAULT '{}'`);
    for (let after: string | null = null; ;) {
      const page = (await q.query(
        `SELECT chunk_id, chunk_text FROM chunks WHERE $1::uuid IS NULL OR chunk_id > $1::uuid
          ORDER BY chunk_id LIMIT $2`,
        [after, BACKFILL_PAGE],
      )) as { chunk_id: string; chunk_text: string }[];
      if (page.length === 0) break;
      after = page[page.length - 1].chunk_id;
      await q.query(
        `UPDATE chunks c SET fingerprints = v.fingerprints::integer[]
           FROM unnest($1::uuid[], $2::text[]) AS v(chunk_id, fingerprints)
          WHERE c.chunk_id = v.chunk_id`,
        [page.map((row) => row.chunk_id), page.map((row) => fingerprintsLiteral(row.chunk_text))],
      );
    }
    await q.query(`CREATE INDEX "chunks_fingerprints_idx" ON "chunks" USING gin ("fingerprints")`);
    await q.query(`DROP INDEX "chunks_normalised_text_trgm_idx"`);
    await q.query(
      `DELETE FROM "typeorm_metadata" WHERE "type" = 'GENERATED_COLUMN' AND "table" = 'chunks' AND "name" = 'normalised_text'`,
    );
    await q.query(`ALTER TABLE "chunks" DROP COLUMN "normalised_text"`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "chunks" ADD "normalised_text" text GENERATED ALWAYS AS (${NORMALISED}) STORED NOT NULL`,
    );
    await q.query(
      `INSERT INTO "typeorm_metadata"("database", "schema", "table", "type", "name", "value") VALUES (current_database(), current_schema(), 'chunks', 'GENERATED_COLUMN', 'normalised_text', $1)`,
      [NORMALISED],
    );
    await q.query(
      `CREATE INDEX "chunks_normalised_text_trgm_idx" ON "chunks" USING gin ("normalised_text" gin_trgm_ops)`,
    );
    await q.query(`DROP INDEX "chunks_fingerprints_idx"`);
    await q.query(`ALTER TABLE "chunks" DROP COLUMN "fingerprints"`);
  }
}
