import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';

export class ListChatHistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only this conversation', example: 'session-2025-11-24' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  session_id?: string;
}
