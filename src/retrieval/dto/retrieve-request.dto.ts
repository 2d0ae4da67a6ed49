import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { EXAMPLE_VECTOR } from '../../common/api-examples';
import { RETRIEVAL_MODES, type RetrievalMode } from '../../logs/log.entity';

const MAX_DOCUMENT_REFERENCES = 100;
const NOT_BLANK = /\S/;

/** A document reference, or a list of them (any of). */
function IsDocumentReferences(options?: ValidationOptions): PropertyDecorator {
  const isReference = (value: unknown) =>
    typeof value === 'string' && value.length >= 1 && value.length <= 500;
  return ValidateBy(
    {
      name: 'isDocumentReferences',
      validator: {
        validate: (value: unknown) =>
          isReference(value) ||
          (Array.isArray(value) &&
            value.length >= 1 &&
            value.length <= MAX_DOCUMENT_REFERENCES &&
            value.every(isReference)),
        defaultMessage: () =>
          `filter.document_reference must be a string of 1-500 characters or a list of 1-${MAX_DOCUMENT_REFERENCES} of them`,
      },
    },
    options,
  );
}

export class RetrieveFilterDto {
  @ApiPropertyOptional({
    description: 'One document, or any of several',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'robotics-handbook.pdf',
  })
  @IsOptional()
  @IsDocumentReferences()
  document_reference?: string | string[];

  @ApiPropertyOptional({ example: 'Chapter 3 — Sensors' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  section_title?: string;

  @ApiPropertyOptional({ description: 'First page, inclusive', example: 40 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  page_from?: number;

  @ApiPropertyOptional({ description: 'Last page, inclusive', example: 45 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  page_to?: number;

  @ApiPropertyOptional({ example: 'v1' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  processing_version?: string;
}

/**
 * Field-level rules. The rules that relate fields (exactly one of query / query_vector, what each
 * mode needs, the vector's size) are in retrieve-request.rules.ts, so each error names its field.
 */
export class RetrieveRequestDto {
  @ApiPropertyOptional({
    description: 'The question, embedded by the configured provider. Exactly one of query / query_vector',
    example: 'How does a strain gauge measure force?',
  })
  @IsOptional()
  @IsString()
  @Matches(NOT_BLANK, { message: 'query must not be empty' })
  @MaxLength(4_000)
  query?: string;

  @ApiPropertyOptional({
    description: 'A ready query embedding, of the collection size (VECTOR_SIZE)',
    type: [Number],
    example: EXAMPLE_VECTOR,
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(65_536)
  query_vector?: number[];

  @ApiProperty({ description: 'Results to return', minimum: 1, maximum: 50, default: 5 })
  @IsInt()
  @Min(1)
  @Max(50)
  top_k: number = 5;

  @ApiProperty({ enum: RETRIEVAL_MODES, default: 'vector' })
  @IsIn(RETRIEVAL_MODES)
  mode: RetrievalMode = 'vector';

  @ApiPropertyOptional({ type: RetrieveFilterDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RetrieveFilterDto)
  filter?: RetrieveFilterDto;

  @ApiPropertyOptional({
    description:
      'selected_text mode: the passage the reader selected; only chunks overlapping it are searched',
    example: 'A strain gauge changes its electrical resistance when it is stretched.',
  })
  @IsOptional()
  @IsString()
  @Matches(NOT_BLANK, { message: 'selected_text must not be empty' })
  @MaxLength(20_000)
  selected_text?: string;

  @ApiPropertyOptional({
    description: 'Minimum cosine similarity of a vector hit (in hybrid mode: of the vector list)',
    minimum: -1,
    maximum: 1,
    example: 0.3,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1)
  @Max(1)
  score_threshold?: number;

  @ApiPropertyOptional({ description: 'Recorded in the retrieval log', format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  user_id?: string;

  @ApiPropertyOptional({ description: 'Recorded in the retrieval log', example: 'session-42' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  session_id?: string;
}
