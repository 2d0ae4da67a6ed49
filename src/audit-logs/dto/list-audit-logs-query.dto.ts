import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { TimeRangePageQueryDto } from '../../common/pagination';

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

export class ListAuditLogsQueryDto extends TimeRangePageQueryDto {
  @ApiPropertyOptional({ description: 'Kind of resource', example: 'user' })
  @IsOptional()
  @MaxLength(64)
  @Matches(IDENTIFIER)
  resource_type?: string;

  @ApiPropertyOptional({ description: 'Id of the resource', example: '5d1f7a40-8c8e-4f57-9d0b-7d8f8c4c2a10' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  resource_id?: string;

  @ApiPropertyOptional({ description: 'Acting user', example: '5d1f7a40-8c8e-4f57-9d0b-7d8f8c4c2a10' })
  @IsOptional()
  @IsUUID()
  user_id?: string;

  @ApiPropertyOptional({ description: 'Operation', example: 'soft_delete' })
  @IsOptional()
  @MaxLength(64)
  @Matches(IDENTIFIER)
  operation_type?: string;
}
