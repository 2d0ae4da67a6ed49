import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { TimeRangePageQueryDto } from '../../common/pagination';

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

export class ListAuditLogsQueryDto extends TimeRangePageQueryDto {
  @ApiPropertyOptional({ description: 'Kind of resource, e.g. user, chunk, chat_turn, api_key' })
  @IsOptional()
  @MaxLength(64)
  @Matches(IDENTIFIER)
  resource_type?: string;

  @ApiPropertyOptional({ description: 'Id of the resource' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  resource_id?: string;

  @ApiPropertyOptional({ description: 'Acting user (a user id)', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  user_id?: string;

  @ApiPropertyOptional({ description: 'Operation, e.g. create, update, soft_delete, hard_delete' })
  @IsOptional()
  @MaxLength(64)
  @Matches(IDENTIFIER)
  operation_type?: string;
}
