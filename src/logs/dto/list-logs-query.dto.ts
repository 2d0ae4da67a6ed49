import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { TimeRangePageQueryDto } from '../../common/pagination';
import { RETRIEVAL_MODES, type RetrievalMode } from '../log.entity';

export class ListLogsQueryDto extends TimeRangePageQueryDto {
  @ApiPropertyOptional({ description: 'Only this retrieval mode', enum: RETRIEVAL_MODES })
  @IsOptional()
  @IsIn(RETRIEVAL_MODES)
  retrieval_mode?: RetrievalMode;

  @ApiPropertyOptional({ description: 'Only this reader (a user id)', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  user_id?: string;
}
