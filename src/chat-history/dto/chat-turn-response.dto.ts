import { ApiProperty } from '@nestjs/swagger';
import type { ChatTurnEntity } from '../chat-turn.entity';

export class ChatTurnResponseDto {
  @ApiProperty({ description: 'Turn id', example: '1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b' })
  chat_id!: string;

  @ApiProperty({
    description: 'The reader; null for an anonymous reader (the turn is keyed by session_id)',
    example: '5d1f7a40-8c8e-4f57-9d0b-7d8f8c4c2a10',
    nullable: true,
    type: String,
  })
  user_id!: string | null;

  @ApiProperty({
    description: 'Conversation id',
    example: 'session-2025-11-24',
    nullable: true,
    type: String,
  })
  session_id!: string | null;

  @ApiProperty({ description: 'What the reader asked', example: 'What is a transaction?' })
  query!: string;

  @ApiProperty({ description: 'The answer given', example: 'A transaction is a unit of work…' })
  response!: string;

  @ApiProperty({
    description: 'Chunks cited in the answer',
    example: [{ chunk_id: '3fb6c1a2-8d3e-4c4f-9a1b-2c3d4e5f6a7b' }],
    type: 'array',
    items: { type: 'object' },
  })
  source_chunks!: unknown[];

  @ApiProperty({
    description: 'Retrieval log',
    example: '9c0e1d2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f',
    nullable: true,
    type: String,
  })
  log_id!: string | null;

  @ApiProperty({ description: 'When the turn was recorded', example: '2025-11-24T10:00:00.000Z' })
  timestamp!: Date;
}

export function toChatTurnResponse(turn: ChatTurnEntity): ChatTurnResponseDto {
  return {
    chat_id: turn.chat_id,
    user_id: turn.user_id,
    session_id: turn.session_id,
    query: turn.query,
    response: turn.response,
    source_chunks: turn.source_chunks,
    log_id: turn.log_id,
    timestamp: turn.timestamp,
  };
}
