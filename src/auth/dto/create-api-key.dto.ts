import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '../api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'chat-frontend' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^[\w .:-]+$/, { message: 'name may contain letters, digits, spaces and . _ : - only' })
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Bind a reader key to one user (their chat history only)',
  })
  @IsOptional()
  @IsUUID('all')
  user_id?: string;
}
