import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Chat turns of anonymous readers: `user_id` may be null, the turn is then keyed by `session_id`
 * (the check refuses a turn with neither), and a partial index serves listing one anonymous
 * session. The generator dropped and recreated the foreign key and both user indexes around the
 * column change; PostgreSQL keeps them through `DROP NOT NULL`, so only the change itself is here.
 * Reverting refuses while anonymous turns exist (`SET NOT NULL` fails): remove them first.
 */
export class AnonymousChatTurns1796174348216 implements MigrationInterface {
  name = 'AnonymousChatTurns1796174348216';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "chat_history" ALTER COLUMN "user_id" DROP NOT NULL');
    await queryRunner.query(
      'CREATE INDEX "chat_history_anonymous_session_id_timestamp_idx" ON "chat_history"  ("session_id", "timestamp", "chat_id") WHERE user_id IS NULL',
    );
    await queryRunner.query(
      'ALTER TABLE "chat_history" ADD CONSTRAINT "chat_history_user_or_session_check" CHECK (user_id IS NOT NULL OR session_id IS NOT NULL)',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "chat_history" DROP CONSTRAINT "chat_history_user_or_session_check"',
    );
    await queryRunner.query('DROP INDEX "public"."chat_history_anonymous_session_id_timestamp_idx"');
    await queryRunner.query('ALTER TABLE "chat_history" ALTER COLUMN "user_id" SET NOT NULL');
  }
}
