import {
  Check,
  Column,
  Entity,
  Index,
  ManyToOne,
  JoinColumn,
  PrimaryGeneratedColumn,
  CreateDateColumn,
} from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { oneOf } from '../database/check';

export const RETRIEVAL_MODES = ['vector', 'hybrid', 'selected_text'] as const;
export type RetrievalMode = (typeof RETRIEVAL_MODES)[number];

/** One row per retrieval: a full trace of what was searched and what came back. */
@Entity({ name: 'logs' })
@Index('logs_timestamp_log_id_idx', ['timestamp', 'log_id'])
@Index('logs_user_id_timestamp_idx', ['user_id', 'timestamp'])
@Index('logs_retrieval_mode_timestamp_idx', ['retrieval_mode', 'timestamp'])
@Check('logs_retrieval_mode_check', oneOf('retrieval_mode', RETRIEVAL_MODES))
export class LogEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'logs_pkey' })
  log_id!: string;

  @Column({ type: 'text' })
  user_query!: string;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  retrieved_chunks!: unknown[];

  @Column({ type: 'text', nullable: true })
  response!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  timestamp!: Date;

  @Column({ type: 'text' })
  retrieval_mode!: RetrievalMode;

  @Column({ type: 'text', nullable: true })
  request_id!: string | null;

  @Column({ type: 'uuid', nullable: true })
  user_id!: string | null;

  // Erasing a user erases their retrievals: a query is the user's own text.
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'logs_user_id_fkey' })
  user?: UserEntity;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  filters!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  timings!: Record<string, number>;
}
