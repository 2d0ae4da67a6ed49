import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which embedding model and size each vector collection holds (the embedding model guard). */
export class VectorCollections1763910000000 implements MigrationInterface {
  name = 'VectorCollections1763910000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "vector_collections" (
      "name" text NOT NULL,
      "embedding_model" text NOT NULL,
      "vector_size" integer NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "vector_collections_pkey" PRIMARY KEY ("name"))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "vector_collections"`);
  }
}
