import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Server-side embedding looks up stored vectors by (model, content hash) across every document, so
 * text already embedded anywhere under the same model is never sent to the provider again.
 */
export class EmbeddingReuseIndex1796172781960 implements MigrationInterface {
  name = 'EmbeddingReuseIndex1796172781960';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX "chunks_embedding_model_content_hash_idx" ON "chunks"  ("embedding_model", "content_hash") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."chunks_embedding_model_content_hash_idx"');
  }
}
