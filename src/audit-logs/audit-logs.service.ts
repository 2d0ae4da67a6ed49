import { Injectable } from '@nestjs/common';
import type { Transaction } from '../database/transactions';
import { NotFoundError } from '../common/errors';
import { mapPage, type Page } from '../common/pagination';
import { RequestContextService } from '../common/request-context.module';
import { PERSONAL_RESOURCES, type AuditEntry } from './audit-entry';
import { AuditLogsRepository } from './audit-logs.repository';
import { toAuditLogResponse, type AuditLogResponseDto } from './dto/audit-log-response.dto';
import type { ListAuditLogsQueryDto } from './dto/list-audit-logs-query.dto';

@Injectable()
export class AuditLogsService {
  constructor(
    private readonly auditLogs: AuditLogsRepository,
    private readonly requestContext: RequestContextService,
  ) {}

  /**
   * The one writer of the audit trail. Takes the caller's transaction manager so the row commits
   * or rolls back with the change it describes; ip, user agent, request id and the acting
   * principal (`details.actor`: the API key and its role, the bootstrap admin, or "auth disabled")
   * come from the current request's context. `request_id` is the server's; the id the client sent,
   * if any, goes to `details.client_request_id`. `user_id` is whom the row is about; `actor` is who
   * did it, so a writer acting "as Bob" is recorded as the writer.
   */
  async record(manager: Transaction, entry: AuditEntry): Promise<void> {
    if (PERSONAL_RESOURCES.has(entry.resource_type) && entry.details && 'changes' in entry.details) {
      // A programming error, caught by every test that writes such a row: values of personal
      // fields must never reach the append-only trail (see PERSONAL_RESOURCES).
      throw new Error(`Audit rows about a ${entry.resource_type} record field names, not values`);
    }
    const { ip_address, user_agent, request_id, client_request_id, actor } = this.requestContext.current();
    await this.auditLogs.insert(manager, {
      operation_type: entry.operation_type,
      resource_type: entry.resource_type,
      resource_id: entry.resource_id,
      user_id: entry.user_id,
      details: {
        ...entry.details,
        ...(actor ? { actor } : {}),
        ...(client_request_id ? { client_request_id } : {}),
      },
      ip_address,
      user_agent,
      request_id,
    });
  }

  async get(logId: string): Promise<AuditLogResponseDto> {
    const row = await this.auditLogs.findById(logId);
    if (!row) throw new NotFoundError('audit log', logId);
    return toAuditLogResponse(row);
  }

  async list(query: ListAuditLogsQueryDto): Promise<Page<AuditLogResponseDto>> {
    return mapPage(await this.auditLogs.listNewestFirst(query, query), toAuditLogResponse);
  }
}
