import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, MaxLength } from 'class-validator';
import { BoundedJson } from '../../common/bounded-json.validator';
import { IsOmittable } from '../../common/request-params';

export class CreateUserDto {
  @ApiProperty({
    description: 'Email address; stored trimmed and lower-cased, unique regardless of case',
    example: 'reader@example.com',
    maxLength: 254,
  })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() : value,
  )
  @MaxLength(254)
  @IsEmail()
  email!: string;

  @ApiPropertyOptional({
    description: 'Free-form profile (JSON object, ≤ 16 KiB, ≤ 5 levels)',
    example: { display_name: 'Ada', locale: 'en-GB' },
  })
  @IsOmittable()
  @BoundedJson()
  profile_metadata?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Reader preferences (JSON object, ≤ 16 KiB, ≤ 5 levels)',
    example: { answer_length: 'short', show_citations: true },
  })
  @IsOmittable()
  @BoundedJson()
  preferences?: Record<string, unknown>;
}
