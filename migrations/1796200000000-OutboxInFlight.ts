import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `vector_outbox.leased_until`: set while a relay batch holds the row (claimed, its lease
 * renewed), cleared when the batch backs off. Several batches may be in flight at once, and a
 * claim never takes a row whose chunk has another row in flight, so an older state of a chunk
 * can never be applied after a newer one.
 */
export class OutboxInFlight1796200000000 implements MigrationInterface {
  name = 'OutboxInFlight1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "vector_outbox" ADD "leased_until" TIMESTAMP WITH TIME ZONE');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "vector_outbox" DROP COLUMN "leased_until"');
  }
}
