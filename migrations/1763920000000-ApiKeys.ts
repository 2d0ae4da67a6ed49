import type { MigrationInterface, QueryRunner } from 'typeorm';

/** API keys with roles. Only a SHA-256 of each key is stored; the key is shown once, at creation. */
export class ApiKeys1763920000000 implements MigrationInterface {
  name = 'ApiKeys1763920000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "api_keys" (
      "key_id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "name" text NOT NULL,
      "role" text NOT NULL,
      "key_hash" character(64) NOT NULL,
      "key_prefix" text NOT NULL,
      "user_id" uuid,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "last_used_at" TIMESTAMP WITH TIME ZONE,
      "revoked_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "api_keys_role_check" CHECK (role IN ('reader', 'writer', 'admin')),
      CONSTRAINT "api_keys_pkey" PRIMARY KEY ("key_id"))`);
    await q.query(`CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys" ("key_hash")`);
    await q.query(`CREATE INDEX "api_keys_created_at_key_id_idx" ON "api_keys" ("created_at", "key_id")`);
    await q.query(
      `ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("user_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "api_keys"`);
  }
}
