import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Storage for the text retrieval paths (hybrid's text leg, selected-text candidates), which read
 * `search_vector` for every candidate (`@@` recheck, ranking):
 * - `search_vector` STORAGE MAIN: kept in the row, compressed if need be. With the default
 *   (EXTENDED) ≈ 15 % of the bench corpus' tsvectors (≈ 800 bytes, next to a 700-character text)
 *   were moved to the TOAST table once the embedding was, and each read cost a TOAST index lookup:
 *   selected-text statement p50 10.0 → 6.7 ms, hybrid 9.7 → 8.2 ms on 10 000 chunks. The
 *   embedding still goes out of line first (it is larger and EXTENDED). Applies to rows written
 *   from now on (an UPDATE or a rebuild moves old rows).
 * - `gin_pending_list_limit` 256 kB on both GIN indexes (PostgreSQL's default is 4 MB): every
 *   scan reads the whole pending list, ≈ 2 000 rows' entries at 4 MB after a bulk load, until
 *   VACUUM or an insert past the limit merges it. Merging more often cost no measurable insert
 *   time (10 000 rows, multi-row INSERT and the relay's UPDATE).
 */
export class TextSearchStorage1796210000000 implements MigrationInterface {
  name = 'TextSearchStorage1796210000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "chunks" ALTER COLUMN "search_vector" SET STORAGE MAIN');
    await queryRunner.query('ALTER INDEX "chunks_search_vector_idx" SET (gin_pending_list_limit = 256)');
    await queryRunner.query('ALTER INDEX "chunks_fingerprints_idx" SET (gin_pending_list_limit = 256)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER INDEX "chunks_fingerprints_idx" RESET (gin_pending_list_limit)');
    await queryRunner.query('ALTER INDEX "chunks_search_vector_idx" RESET (gin_pending_list_limit)');
    await queryRunner.query('ALTER TABLE "chunks" ALTER COLUMN "search_vector" SET STORAGE EXTENDED');
  }
}
