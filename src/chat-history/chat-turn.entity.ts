import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { LogEntity } from '../logs/log.entity';
import { UserEntity } from '../users/user.entity';

@Entity({ name: 'chat_history' })
@Index('chat_history_user_id_timestamp_idx', ['user_id', 'timestamp', 'chat_id'])
@Index('chat_history_user_id_session_id_timestamp_idx', ['user_id', 'session_id', 'timestamp', 'chat_id'])
// Anonymous readers' turns, listed by session (GET /v1/chat/turns?session_id=).
@Index('chat_history_anonymous_session_id_timestamp_idx', ['session_id', 'timestamp', 'chat_id'], {
  where: 'user_id IS NULL',
})
// A turn belongs to a user or, for an anonymous reader, to a session: never to nobody.
@Check('chat_history_user_or_session_check', 'user_id IS NOT NULL OR session_id IS NOT NULL')
export class ChatTurnEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'chat_history_pkey' })
  chat_id!: string;

  /** Null for an anonymous reader's turn (then keyed by session_id). */
  @Column({ type: 'uuid', nullable: true })
  user_id!: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'chat_history_user_id_fkey' })
  user?: UserEntity;

  @Column({ type: 'text' })
  query!: string;

  @Column({ type: 'text' })
  response!: string;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  source_chunks!: unknown[];

  @CreateDateColumn({ type: 'timestamptz' })
  timestamp!: Date;

  @Column({ type: 'text', nullable: true })
  session_id!: string | null;

  @Column({ type: 'uuid', nullable: true })
  log_id!: string | null;

  @ManyToOne(() => LogEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'log_id', foreignKeyConstraintName: 'chat_history_log_id_fkey' })
  log?: LogEntity;
}
