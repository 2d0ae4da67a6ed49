import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class RepairQueryDto {
  @ApiPropertyOptional({
    description: 'How long to wait for the repairs to reach the vector store',
    default: 10_000,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(120_000)
  wait_ms?: number;
}
