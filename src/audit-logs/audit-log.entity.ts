import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Append-only: a trigger in the database rejects UPDATE, DELETE and TRUNCATE. No foreign key to
 * users, so erasing a user keeps the trail of what was done.
 */
@Entity({ name: 'audit_logs' })
@Index('audit_logs_resource_idx', ['resource_type', 'resource_id', 'operation_timestamp'])
@Index('audit_logs_user_id_idx', ['user_id', 'operation_timestamp'])
@Index('audit_logs_operation_timestamp_idx', ['operation_timestamp', 'log_id'])
export class AuditLogEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'audit_logs_pkey' })
  log_id!: string;

  @Column({ type: 'text' })
  operation_type!: string;

  @Column({ type: 'text' })
  resource_type!: string;

  @Column({ type: 'text', nullable: true })
  resource_id!: string | null;

  @Column({ type: 'uuid', nullable: true })
  user_id!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  operation_timestamp!: Date;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  details!: Record<string, unknown>;

  @Column({ type: 'inet', nullable: true })
  ip_address!: string | null;

  @Column({ type: 'text', nullable: true })
  user_agent!: string | null;

  @Column({ type: 'text', nullable: true })
  request_id!: string | null;
}
