import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export const MAX_RESPONSE_LENGTH = 32_000;

export class AttachResponseDto {
  @ApiProperty({
    description: 'The answer generated from this retrieval',
    example: 'A transaction is a unit of work…',
    maxLength: MAX_RESPONSE_LENGTH,
  })
  @IsString()
  @MaxLength(MAX_RESPONSE_LENGTH)
  response!: string;
}
