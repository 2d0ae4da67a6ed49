import { Injectable } from '@nestjs/common';
import { AuditLogsService } from '../audit-logs/audit-logs.service';
import { mapPage, type Page } from '../common/pagination';
import { LogsService } from '../logs/logs.service';
import { UsersService } from '../users/users.service';
import { ChatHistoryRepository } from './chat-history.repository';
import { toChatTurnResponse, type ChatTurnResponseDto } from './dto/chat-turn-response.dto';
import type { CreateChatTurnDto } from './dto/create-chat-turn.dto';
import type { ListChatHistoryQueryDto } from './dto/list-chat-history-query.dto';
import type { ListSessionTurnsQueryDto } from './dto/list-session-turns-query.dto';
import { Transactions } from '../database/transactions';

@Injectable()
export class ChatHistoryService {
  constructor(
    private readonly transactions: Transactions,
    private readonly turns: ChatHistoryRepository,
    private readonly users: UsersService,
    private readonly logs: LogsService,
    private readonly audit: AuditLogsService,
  ) {}

  /** The turn, the response attached to its retrieval log and the audit row commit together. */
  recordTurn(dto: CreateChatTurnDto): Promise<ChatTurnResponseDto> {
    return this.transactions.run(async (manager) => {
      // Without a user, an anonymous reader's turn: keyed by its session, linked only to an anonymous log.
      const userId = dto.user_id ?? null;
      if (userId !== null) await this.users.requireActiveUserForReference(manager, userId);
      if (dto.log_id !== undefined) await this.logs.linkResponse(manager, dto.log_id, userId, dto.response);
      const turn = await this.turns.insert(manager, { ...dto, user_id: userId });
      await this.audit.record(manager, {
        operation_type: 'create',
        resource_type: 'chat_turn',
        resource_id: turn.chat_id,
        user_id: turn.user_id,
        details: {
          // Not the session id: the client chooses it, so it may be personal (an email, a name).
          log_id: turn.log_id,
          source_chunk_count: turn.source_chunks.length,
        },
      });
      return toChatTurnResponse(turn);
    });
  }

  async listForUser(userId: string, query: ListChatHistoryQueryDto): Promise<Page<ChatTurnResponseDto>> {
    await this.users.requireUser(userId);
    return mapPage(await this.turns.listByUser(userId, query.session_id, query), toChatTurnResponse);
  }

  /** An anonymous reader's conversation (turns recorded without a user), newest first. */
  async listAnonymousSession(query: ListSessionTurnsQueryDto): Promise<Page<ChatTurnResponseDto>> {
    return mapPage(await this.turns.listAnonymousBySession(query.session_id, query), toChatTurnResponse);
  }
}
