import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';

export class ListChatHistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only this conversation (the session_id sent with its turns)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  session_id?: string;
}
