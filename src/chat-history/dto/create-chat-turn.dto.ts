import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsDefined,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { BoundedJson } from '../../common/bounded-json.validator';
import { MAX_RESPONSE_LENGTH } from '../../logs/dto/attach-response.dto';

export class CreateChatTurnDto {
  @ApiPropertyOptional({
    description:
      'The reader. Leave it out for an anonymous reader (session_id is then required); a reader key bound to a ' +
      'user fills in its own user, and a reader key bound to no user may record only anonymous turns',
    example: '5d1f7a40-8c8e-4f57-9d0b-7d8f8c4c2a10',
  })
  @IsOptional()
  @IsUUID()
  user_id?: string;

  @ApiPropertyOptional({
    description:
      'Conversation id chosen by the client; required without user_id (an anonymous turn is keyed by it: ' +
      'use an unguessable one, such as a random UUID)',
    example: 'session-2025-11-24',
    maxLength: 128,
  })
  @ValidateIf((turn: CreateChatTurnDto) => turn.session_id != null || turn.user_id == null)
  @IsDefined({ message: 'session_id is required for a turn without user_id (an anonymous reader)' })
  @IsString()
  @MaxLength(128)
  @Matches(/^[\x21-\x7e]+$/, { message: 'session_id must be printable ASCII without spaces' })
  session_id?: string;

  @ApiProperty({ description: 'What the reader asked', example: 'What is a transaction?', maxLength: 8000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(8000)
  query!: string;

  @ApiProperty({
    description: 'The answer given',
    example: 'A transaction is a unit of work…',
    maxLength: MAX_RESPONSE_LENGTH,
  })
  @IsString()
  @MaxLength(MAX_RESPONSE_LENGTH)
  response!: string;

  @ApiProperty({
    description: 'Chunks cited in the answer (JSON array, ≤ 100 items, ≤ 16 KiB, ≤ 5 levels)',
    example: [{ chunk_id: '3fb6c1a2-8d3e-4c4f-9a1b-2c3d4e5f6a7b', page_reference: 42 }],
    type: 'array',
    items: { type: 'object' },
  })
  @BoundedJson({ kind: 'array' })
  @ArrayMaxSize(100)
  source_chunks!: unknown[];

  @ApiPropertyOptional({
    description: 'The retrieval log this answer came from; its response is set to this answer',
    example: '9c0e1d2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f',
  })
  @IsOptional()
  @IsUUID()
  log_id?: string;
}
