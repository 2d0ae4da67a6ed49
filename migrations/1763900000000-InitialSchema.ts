import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The five tables of the specification (every column it names, with those names) plus ours,
 * and the vector outbox. Generated from the entities, then completed by hand with what TypeORM
 * cannot express: extensions, GIN indexes and the append-only trigger on audit_logs.
 */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS citext`);

    await q.query(`CREATE TABLE "users" (
      "user_id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "email" citext NOT NULL,
      "profile_metadata" jsonb NOT NULL DEFAULT '{}'::jsonb,
      "preferences" jsonb NOT NULL DEFAULT '{}'::jsonb,
      "is_active" boolean NOT NULL DEFAULT true,
      "last_login" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "users_pkey" PRIMARY KEY ("user_id"))`);
    await q.query(`CREATE UNIQUE INDEX "users_email_key" ON "users" ("email")`);
    await q.query(`CREATE INDEX "users_created_at_user_id_idx" ON "users" ("created_at", "user_id")`);

    await q.query(`CREATE TABLE "chunks" (
      "chunk_id" uuid NOT NULL,
      "document_reference" text NOT NULL,
      "page_reference" integer,
      "section_title" text,
      "chunk_text" text NOT NULL,
      "embedding_id" uuid,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "processing_version" text NOT NULL DEFAULT 'v1',
      "chunk_index" integer NOT NULL,
      "content_hash" character(64) NOT NULL,
      "embedding" bytea NOT NULL,
      "embedding_model" text NOT NULL,
      "metadata" jsonb NOT NULL DEFAULT '{}'::jsonb,
      "sync_status" text NOT NULL DEFAULT 'pending',
      "synced_at" TIMESTAMP WITH TIME ZONE,
      "deleted_at" TIMESTAMP WITH TIME ZONE,
      "search_vector" tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(section_title, '') || ' ' || chunk_text)) STORED NOT NULL,
      CONSTRAINT "chunks_chunk_index_check" CHECK (chunk_index >= 0),
      CONSTRAINT "chunks_sync_status_check" CHECK (sync_status IN ('pending', 'synced', 'failed')),
      CONSTRAINT "chunks_pkey" PRIMARY KEY ("chunk_id"))`);
    await q.query(
      `INSERT INTO "typeorm_metadata"("database", "schema", "table", "type", "name", "value") VALUES (current_database(), current_schema(), 'chunks', 'GENERATED_COLUMN', 'search_vector', $1)`,
      [`to_tsvector('english', coalesce(section_title, '') || ' ' || chunk_text)`],
    );
    await q.query(
      `CREATE INDEX "chunks_document_reference_chunk_index_idx" ON "chunks" ("document_reference", "chunk_index")`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "chunks_live_content_hash_key" ON "chunks" ("document_reference", "content_hash") WHERE deleted_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX "chunks_unsynced_idx" ON "chunks" ("sync_status", "updated_at") WHERE sync_status <> 'synced'`,
    );
    await q.query(
      `CREATE INDEX "chunks_deleted_at_idx" ON "chunks" ("deleted_at") WHERE deleted_at IS NOT NULL`,
    );
    await q.query(`CREATE INDEX "chunks_search_vector_idx" ON "chunks" USING gin ("search_vector")`);
    await q.query(
      `CREATE INDEX "chunks_chunk_text_trgm_idx" ON "chunks" USING gin ("chunk_text" gin_trgm_ops)`,
    );

    await q.query(`CREATE TABLE "logs" (
      "log_id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "user_query" text NOT NULL,
      "retrieved_chunks" jsonb NOT NULL DEFAULT '[]'::jsonb,
      "response" text,
      "timestamp" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "retrieval_mode" text NOT NULL,
      "request_id" text,
      "user_id" uuid,
      "filters" jsonb NOT NULL DEFAULT '{}'::jsonb,
      "timings" jsonb NOT NULL DEFAULT '{}'::jsonb,
      CONSTRAINT "logs_retrieval_mode_check" CHECK (retrieval_mode IN ('vector', 'hybrid', 'selected_text')),
      CONSTRAINT "logs_pkey" PRIMARY KEY ("log_id"))`);
    await q.query(`CREATE INDEX "logs_timestamp_log_id_idx" ON "logs" ("timestamp", "log_id")`);
    await q.query(`CREATE INDEX "logs_user_id_timestamp_idx" ON "logs" ("user_id", "timestamp")`);
    await q.query(
      `CREATE INDEX "logs_retrieval_mode_timestamp_idx" ON "logs" ("retrieval_mode", "timestamp")`,
    );
    await q.query(
      `ALTER TABLE "logs" ADD CONSTRAINT "logs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("user_id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );

    await q.query(`CREATE TABLE "chat_history" (
      "chat_id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL,
      "query" text NOT NULL,
      "response" text NOT NULL,
      "source_chunks" jsonb NOT NULL DEFAULT '[]'::jsonb,
      "timestamp" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "session_id" text,
      "log_id" uuid,
      CONSTRAINT "chat_history_pkey" PRIMARY KEY ("chat_id"))`);
    await q.query(
      `CREATE INDEX "chat_history_user_id_timestamp_idx" ON "chat_history" ("user_id", "timestamp", "chat_id")`,
    );
    await q.query(
      `CREATE INDEX "chat_history_user_id_session_id_timestamp_idx" ON "chat_history" ("user_id", "session_id", "timestamp", "chat_id")`,
    );
    await q.query(
      `ALTER TABLE "chat_history" ADD CONSTRAINT "chat_history_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("user_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "chat_history" ADD CONSTRAINT "chat_history_log_id_fkey" FOREIGN KEY ("log_id") REFERENCES "logs"("log_id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );

    await q.query(`CREATE TABLE "audit_logs" (
      "log_id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "operation_type" text NOT NULL,
      "resource_type" text NOT NULL,
      "resource_id" text,
      "user_id" uuid,
      "operation_timestamp" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "details" jsonb NOT NULL DEFAULT '{}'::jsonb,
      "ip_address" inet,
      "user_agent" text,
      "request_id" text,
      CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("log_id"))`);
    await q.query(
      `CREATE INDEX "audit_logs_resource_idx" ON "audit_logs" ("resource_type", "resource_id", "operation_timestamp")`,
    );
    await q.query(`CREATE INDEX "audit_logs_user_id_idx" ON "audit_logs" ("user_id", "operation_timestamp")`);
    await q.query(
      `CREATE INDEX "audit_logs_operation_timestamp_idx" ON "audit_logs" ("operation_timestamp", "log_id")`,
    );
    // Append-only in the database itself, whatever role or code path writes to it.
    await q.query(`CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_logs is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER audit_logs_no_update_delete BEFORE UPDATE OR DELETE ON "audit_logs"
      FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()`);
    await q.query(`CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON "audit_logs"
      FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only()`);

    await q.query(`CREATE TABLE "vector_outbox" (
      "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
      "chunk_id" uuid NOT NULL,
      "operation" text NOT NULL,
      "attempts" integer NOT NULL DEFAULT '0',
      "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "last_error" text,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "vector_outbox_operation_check" CHECK (operation IN ('upsert', 'delete')),
      CONSTRAINT "vector_outbox_pkey" PRIMARY KEY ("id"))`);
    await q.query(
      `CREATE INDEX "vector_outbox_next_attempt_at_idx" ON "vector_outbox" ("next_attempt_at", "id")`,
    );
    await q.query(`CREATE INDEX "vector_outbox_chunk_id_idx" ON "vector_outbox" ("chunk_id")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "vector_outbox"`);
    await q.query(`DROP TABLE "audit_logs"`);
    await q.query(`DROP FUNCTION audit_logs_append_only()`);
    await q.query(`DROP TABLE "chat_history"`);
    await q.query(`DROP TABLE "logs"`);
    await q.query(
      `DELETE FROM "typeorm_metadata" WHERE "type" = 'GENERATED_COLUMN' AND "table" = 'chunks' AND "name" = 'search_vector'`,
    );
    await q.query(`DROP TABLE "chunks"`);
    await q.query(`DROP TABLE "users"`);
    // Extensions stay: other schemas in the same database may use them.
  }
}
