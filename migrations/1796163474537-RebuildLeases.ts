import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One running `vectors:rebuild` per collection name: the rebuild lease. */
export class RebuildLeases1796163474537 implements MigrationInterface {
  name = 'RebuildLeases1796163474537';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "vector_rebuild_leases" ("alias" text NOT NULL, "holder" uuid NOT NULL, "collection" text NOT NULL, "acquired_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "vector_rebuild_leases_pkey" PRIMARY KEY ("alias"))',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "vector_rebuild_leases"');
  }
}
