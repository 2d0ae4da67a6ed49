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
import { UserEntity } from '../users/user.entity';
import { oneOf } from '../database/check';

export const ROLES = ['reader', 'writer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

@Entity({ name: 'api_keys' })
@Index('api_keys_created_at_key_id_idx', ['created_at', 'key_id'])
@Check('api_keys_role_check', oneOf('role', ROLES))
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'api_keys_pkey' })
  key_id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  role!: Role;

  /** SHA-256 (hex) of the key: keys carry 256 random bits, so a fast hash is not guessable. */
  @Index('api_keys_key_hash_key', { unique: true })
  @Column({ type: 'char', length: 64 })
  key_hash!: string;

  /** The key's first characters, to recognise it in listings and logs. */
  @Column({ type: 'text' })
  key_prefix!: string;

  /** A reader key bound to a user may read only that user's chat history. */
  @Column({ type: 'uuid', nullable: true })
  user_id!: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'api_keys_user_id_fkey' })
  user?: UserEntity;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  last_used_at!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revoked_at!: Date | null;
}
