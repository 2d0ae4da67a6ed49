import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { oneOf } from '../database/check';

export const OUTBOX_OPERATIONS = ['upsert', 'delete'] as const;
export type OutboxOperation = (typeof OUTBOX_OPERATIONS)[number];

/**
 * Work for the vector store, written in the same transaction as the chunk rows it concerns.
 * No foreign key: a delete must outlive the hard-deleted chunk it removes.
 */
@Entity({ name: 'vector_outbox' })
@Index('vector_outbox_next_attempt_at_idx', ['next_attempt_at', 'id'])
@Index('vector_outbox_chunk_id_idx', ['chunk_id'])
@Check('vector_outbox_operation_check', oneOf('operation', OUTBOX_OPERATIONS))
export class VectorOutboxEntity {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'vector_outbox_pkey',
  })
  id!: string;

  @Column({ type: 'uuid' })
  chunk_id!: string;

  @Column({ type: 'text' })
  operation!: OutboxOperation;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  next_attempt_at!: Date;

  /** While a relay batch holds the row (claimed, lease renewed); null once it backs off. */
  @Column({ type: 'timestamptz', nullable: true })
  leased_until!: Date | null;

  @Column({ type: 'text', nullable: true })
  last_error!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at!: Date;
}
