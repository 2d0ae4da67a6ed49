import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export class DeleteDocumentQueryDto {
  @ApiProperty({ example: 'robotics-handbook.pdf' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  document_reference!: string;

  @ApiPropertyOptional({ description: 'Remove the rows instead of soft-deleting them', default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  hard?: boolean;

  @ApiPropertyOptional({
    description: 'How long to wait for the points to leave the vector store',
    default: 5_000,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  wait_ms?: number;
}
