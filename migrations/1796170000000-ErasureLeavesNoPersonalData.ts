import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasing a user erases their data (issue 16, item 9):
 *
 * - `logs.user_id` cascades: a hard-deleted user's retrieval logs (their queries, the answers
 *   they got) go with them, as their chat history already did, instead of staying behind with
 *   a null user.
 * - Audit rows written before this release recorded old and new values of personal fields
 *   (`details.changes` on users and logs: emails, profiles, preferences, answers) and the
 *   client-chosen session id of chat turns. They are rewritten to what the service now writes:
 *   `details.changed_fields`, the names only.
 *
 * The audit trail is append-only (trigger `audit_logs_no_update_delete`), so this migration —
 * and only it — switches the trigger off inside its own transaction and on again before it
 * commits: nothing else runs without the trigger, and a failure rolls the whole migration back,
 * trigger included. Disabling a trigger needs the table's owner, i.e. the role that runs
 * migrations (`ragstore_admin` or the embedded owner); the service's `ragstore_app` role could
 * not, and still has no UPDATE on audit_logs at all.
 *
 * `down` restores the foreign key only: the values scrubbed from the trail are gone for good,
 * which is the point.
 */
export class ErasureLeavesNoPersonalData1796170000000 implements MigrationInterface {
  name = 'ErasureLeavesNoPersonalData1796170000000';
  /** The migration runner's transaction must hold both statements on the trigger. */
  transaction = true as const;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "logs" DROP CONSTRAINT "logs_user_id_fkey"`);
    await queryRunner.query(
      `ALTER TABLE "logs" ADD CONSTRAINT "logs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("user_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );

    await queryRunner.query(`ALTER TABLE "audit_logs" DISABLE TRIGGER "audit_logs_no_update_delete"`);
    await queryRunner.query(
      `UPDATE "audit_logs"
          SET "details" = ("details" - 'changes') || jsonb_build_object(
                'changed_fields',
                (SELECT coalesce(jsonb_agg(field), '[]'::jsonb) FROM jsonb_object_keys("details" -> 'changes') AS field))
        WHERE "resource_type" IN ('user', 'log', 'chat_turn')
          AND jsonb_typeof("details" -> 'changes') = 'object'`,
    );
    await queryRunner.query(
      `UPDATE "audit_logs" SET "details" = "details" - 'session_id'
        WHERE "resource_type" = 'chat_turn' AND "details" ? 'session_id'`,
    );
    await queryRunner.query(`ALTER TABLE "audit_logs" ENABLE TRIGGER "audit_logs_no_update_delete"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "logs" DROP CONSTRAINT "logs_user_id_fkey"`);
    await queryRunner.query(
      `ALTER TABLE "logs" ADD CONSTRAINT "logs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("user_id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }
}
