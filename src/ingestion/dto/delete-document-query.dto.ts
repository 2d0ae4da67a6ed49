import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { HardDeleteQueryDto } from '../../common/hard-delete-query.dto';

export class DeleteDocumentQueryDto extends HardDeleteQueryDto {
  @ApiProperty({ description: 'The document whose chunks to delete (its document_reference)' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  document_reference!: string;

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
