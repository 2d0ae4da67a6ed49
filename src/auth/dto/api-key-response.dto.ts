import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES, type ApiKeyEntity, type Role } from '../api-key.entity';

export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' })
  key_id!: string;

  @ApiProperty({ example: 'chat-frontend' })
  name!: string;

  @ApiProperty({ enum: ROLES })
  role!: Role;

  @ApiProperty({ description: 'The first characters of the key, to recognise it', example: 'rsk_Ab12Cd' })
  key_prefix!: string;

  @ApiPropertyOptional({ format: 'uuid', nullable: true })
  user_id!: string | null;

  @ApiProperty()
  created_at!: string;

  @ApiPropertyOptional({ nullable: true })
  last_used_at!: string | null;

  @ApiPropertyOptional({ nullable: true })
  revoked_at!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyResponseDto {
  @ApiProperty({ description: 'The key itself. Shown only in this response: store it now.' })
  key!: string;
}

export const toApiKeyResponse = (row: ApiKeyEntity): ApiKeyResponseDto => ({
  key_id: row.key_id,
  name: row.name,
  role: row.role,
  key_prefix: row.key_prefix,
  user_id: row.user_id,
  created_at: new Date(row.created_at).toISOString(),
  last_used_at: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
  revoked_at: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
});
