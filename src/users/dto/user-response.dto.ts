import { ApiProperty } from '@nestjs/swagger';
import type { UserEntity } from '../user.entity';

export class UserResponseDto {
  @ApiProperty({ description: 'User id', example: '5d1f7a40-8c8e-4f57-9d0b-7d8f8c4c2a10' })
  user_id!: string;

  @ApiProperty({ description: 'Email, lower-cased', example: 'reader@example.com' })
  email!: string;

  @ApiProperty({ description: 'Free-form profile', example: { display_name: 'Ada' } })
  profile_metadata!: Record<string, unknown>;

  @ApiProperty({ description: 'Reader preferences', example: { answer_length: 'short' } })
  preferences!: Record<string, unknown>;

  @ApiProperty({ description: 'False once soft-deleted', example: true })
  is_active!: boolean;

  @ApiProperty({
    description: 'Last login, if any',
    example: '2025-11-24T10:00:00.000Z',
    nullable: true,
    type: Date,
  })
  last_login!: Date | null;

  @ApiProperty({ description: 'Creation time', example: '2025-11-20T08:30:00.000Z' })
  created_at!: Date;

  @ApiProperty({ description: 'Last change', example: '2025-11-24T10:00:00.000Z' })
  updated_at!: Date;
}

export function toUserResponse(user: UserEntity): UserResponseDto {
  return {
    user_id: user.user_id,
    email: user.email,
    profile_metadata: user.profile_metadata,
    preferences: user.preferences,
    is_active: user.is_active,
    last_login: user.last_login,
    created_at: user.created_at,
    updated_at: user.updated_at,
  };
}
