import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'users' })
@Index('users_created_at_user_id_idx', ['created_at', 'user_id'])
export class UserEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'users_pkey' })
  user_id!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated_at!: Date;

  /** Stored trimmed and lower-cased; citext keeps uniqueness case-insensitive regardless. */
  @Index('users_email_key', { unique: true })
  @Column({ type: 'citext' })
  email!: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  profile_metadata!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  preferences!: Record<string, unknown>;

  @Column({ type: 'boolean', default: true })
  is_active!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  last_login!: Date | null;
}
