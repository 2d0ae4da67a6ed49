import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { BoundedJson } from '../../common/bounded-json.validator';
import { IsOmittable } from '../../common/request-params';

/** The fields a client may correct; text and embedding change only through re-ingestion. */
export class UpdateChunkDto {
  @ApiPropertyOptional({
    description: 'Section heading; null clears it',
    example: 'Isolation levels',
    nullable: true,
    type: String,
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  section_title?: string | null;

  @ApiPropertyOptional({
    description: 'Page in the book; null clears it',
    example: 43,
    nullable: true,
    type: Number,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  page_reference?: number | null;

  @ApiPropertyOptional({
    description: 'Replaces the metadata (JSON object, ≤ 16 KiB, ≤ 5 levels)',
    example: { figure: 'Fig. 3.3' },
  })
  @IsOmittable()
  @BoundedJson()
  metadata?: Record<string, unknown>;
}
