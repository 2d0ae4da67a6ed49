import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { TimeRangePageQueryDto } from '../../common/pagination';
import { RETRIEVAL_MODES, type RetrievalMode } from '../log.entity';

export class ListLogsQueryDto extends TimeRangePageQueryDto {
  @ApiPropertyOptional({ description: 'Only this retrieval mode', enum: RETRIEVAL_MODES, example: 'vector' })
  @IsOptional()
  @IsIn(RETRIEVAL_MODES)
  retrieval_mode?: RetrievalMode;

  @ApiPropertyOptional({ description: 'Only this reader', example: '5d1f7a40-8c8e-4f57-9d0b-7d8f8c4c2a10' })
  @IsOptional()
  @IsUUID()
  user_id?: string;
}
