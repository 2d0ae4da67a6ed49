import { Injectable } from '@nestjs/common';
import { changedFields, fieldNames } from '../audit-logs/audit-entry';
import { AuditLogsService } from '../audit-logs/audit-logs.service';
import { mapPage, type Page } from '../common/pagination';
import type { AttachResponseDto } from './dto/attach-response.dto';
import type { ListLogsQueryDto } from './dto/list-logs-query.dto';
import { toLogResponse, type LogResponseDto } from './dto/log-response.dto';
import type { LogEntity } from './log.entity';
import { LogNotFoundError, LogResponseAlreadySetError } from './logs.errors';
import { LogsRepository } from './logs.repository';
import { Transactions, type Transaction } from '../database/transactions';

@Injectable()
export class LogsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly logs: LogsRepository,
    private readonly audit: AuditLogsService,
  ) {}

  async get(logId: string): Promise<LogResponseDto> {
    const log = await this.logs.findById(logId);
    if (!log) throw new LogNotFoundError(logId);
    return toLogResponse(log);
  }

  async list(query: ListLogsQueryDto): Promise<Page<LogResponseDto>> {
    return mapPage(await this.logs.listNewestFirst(query, query), toLogResponse);
  }

  attachResponse(logId: string, dto: AttachResponseDto): Promise<LogResponseDto> {
    return this.transactions.run(async (manager) => {
      const before = await this.requireLockedLog(manager, logId);
      const changes = changedFields(before, { response: dto.response });
      if (Object.keys(changes).length === 0) return toLogResponse(before);
      const after = await this.logs.setResponse(manager, logId, dto.response);
      await this.audit.record(manager, {
        operation_type: 'update',
        resource_type: 'log',
        resource_id: logId,
        user_id: before.user_id,
        details: { changed_fields: fieldNames(changes) },
      });
      return toLogResponse(after);
    });
  }

  /**
   * Inside the caller's transaction (a chat turn): attaches the turn's answer to the retrieval it
   * came from. Only a log of the same user (a log of another user, or of none, is "not found", so
   * the answer reveals nothing about it), and only once: an answer already recorded is never
   * replaced through a turn. The change is audited like any other.
   */
  async linkResponse(
    manager: Transaction,
    logId: string,
    userId: string | null,
    response: string,
  ): Promise<void> {
    const log = await this.requireLockedLog(manager, logId);
    if (log.user_id !== userId) throw new LogNotFoundError(logId);
    if (log.response === response) return;
    if (log.response !== null) throw new LogResponseAlreadySetError(logId);
    await this.logs.setResponse(manager, logId, response);
    await this.audit.record(manager, {
      operation_type: 'update',
      resource_type: 'log',
      resource_id: logId,
      user_id: userId,
      details: { changed_fields: fieldNames(changedFields(log, { response })), via: 'chat_turn' },
    });
  }

  private async requireLockedLog(manager: Transaction, logId: string): Promise<LogEntity> {
    const log = await this.logs.lockById(manager, logId);
    if (!log) throw new LogNotFoundError(logId);
    return log;
  }
}
