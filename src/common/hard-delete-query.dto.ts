import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { QueryBoolean } from './request-params';

/** `DELETE …?hard=true` removes the row; without it the delete is soft and reversible. */
export class HardDeleteQueryDto {
  @ApiPropertyOptional({
    description: 'Remove the row instead of marking it deleted',
    default: false,
  })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  hard: boolean = false;
}
