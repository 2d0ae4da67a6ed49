import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { DOCUMENT_FORMATS, type DocumentFormat } from '../chunking/parse-document';

export class PutDocumentDto {
  @ApiProperty({ enum: DOCUMENT_FORMATS, description: 'How to parse `content`', example: 'markdown' })
  @IsIn(DOCUMENT_FORMATS)
  format!: DocumentFormat;

  @ApiProperty({
    description:
      'The whole document. Text may carry page markers (`<!-- page: 12 -->` on its own line) for page_reference',
    example: '# Chapter 3\n\n## Sensors\n\nA strain gauge measures force.',
  })
  @IsString()
  content!: string;

  @ApiPropertyOptional({ description: 'Overrides the title found in the content', example: 'The Lighthouse' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  title?: string;

  @ApiPropertyOptional({ description: 'Merged into every chunk’s metadata', example: { edition: 2 } })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'v1' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  processing_version?: string;

  @ApiPropertyOptional({
    description: 'How long to wait for the vectors to be searchable before answering 202',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60_000)
  wait_ms?: number;
}
