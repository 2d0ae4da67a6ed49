import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageResponseDto, type Page } from '../common/pagination';
import { UuidParam } from '../common/request-params';
import { ChatHistoryService } from './chat-history.service';
import { ChatTurnResponseDto } from './dto/chat-turn-response.dto';
import { CreateChatTurnDto } from './dto/create-chat-turn.dto';
import { ListChatHistoryQueryDto } from './dto/list-chat-history-query.dto';
import { ListSessionTurnsQueryDto } from './dto/list-session-turns-query.dto';
import { OwnedBy, RequireRole } from '../auth/roles';
import { ApiBodyExamples, EXAMPLE_IDS } from '../common/api-examples';

@ApiTags('chat-history')
@Controller('v1')
export class ChatHistoryController {
  constructor(private readonly chatHistory: ChatHistoryService) {}

  @Post('chat/turns')
  @RequireRole('reader')
  @OwnedBy({ body: 'user_id', optional: true, anonymousOnly: true })
  @ApiOperation({
    summary:
      'Record a chat turn; with log_id, the answer is attached to that retrieval log in the same transaction',
    description:
      'Without user_id, an anonymous reader’s turn keyed by session_id (a log_id must then be an anonymous ' +
      'retrieval). A reader key bound to a user records only that user’s turns (filled in when left out); a ' +
      'reader key bound to no user records only anonymous ones.',
  })
  @ApiBodyExamples(CreateChatTurnDto, {
    answered_from_a_retrieval: {
      summary: 'An answer given from a retrieval',
      description:
        'user_id, log_id and the cited chunk_id are ids of your own rows: the reader, the retrieval ' +
        '(its log_id) and the chunks the answer cites.',
      value: {
        user_id: EXAMPLE_IDS.user_id,
        session_id: 'session-42',
        query: 'How does a strain gauge measure force?',
        response: 'Its electrical resistance changes when it is stretched (p. 42).',
        source_chunks: [{ chunk_id: EXAMPLE_IDS.chunk_id, page_reference: 42 }],
        log_id: EXAMPLE_IDS.log_id,
      },
    },
  })
  @ApiCreatedResponse({ type: ChatTurnResponseDto })
  recordTurn(@Body() dto: CreateChatTurnDto): Promise<ChatTurnResponseDto> {
    return this.chatHistory.recordTurn(dto);
  }

  @Get('chat/turns')
  @RequireRole('reader')
  @ApiOperation({
    summary:
      'An anonymous reader’s conversation: the turns recorded without a user in session_id, newest first',
  })
  @ApiOkResponse({ type: PageResponseDto(ChatTurnResponseDto) })
  listSession(@Query() query: ListSessionTurnsQueryDto): Promise<Page<ChatTurnResponseDto>> {
    return this.chatHistory.listAnonymousSession(query);
  }

  @Get('users/:user_id/chat-history')
  @RequireRole('reader')
  @OwnedBy({ param: 'user_id' })
  @ApiOperation({ summary: 'A user’s chat turns, newest first, optionally one session' })
  @ApiOkResponse({ type: PageResponseDto(ChatTurnResponseDto) })
  listForUser(
    @UuidParam('user_id') userId: string,
    @Query() query: ListChatHistoryQueryDto,
  ): Promise<Page<ChatTurnResponseDto>> {
    return this.chatHistory.listForUser(userId, query);
  }
}
