import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageResponseDto, type Page } from '../common/pagination';
import { UuidParam } from '../common/request-params';
import { AuditLogsService } from './audit-logs.service';
import { AuditLogResponseDto } from './dto/audit-log-response.dto';
import { ListAuditLogsQueryDto } from './dto/list-audit-logs-query.dto';
import { RequireRole } from '../auth/roles';
import { RateLimitClass } from '../auth/rate-limit';

@ApiTags('audit-logs')
@RequireRole('admin')
@RateLimitClass('admin')
@Controller('v1/audit-logs')
export class AuditLogsController {
  constructor(private readonly auditLogs: AuditLogsService) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail, newest first, filtered' })
  @ApiOkResponse({ type: PageResponseDto(AuditLogResponseDto) })
  list(@Query() query: ListAuditLogsQueryDto): Promise<Page<AuditLogResponseDto>> {
    return this.auditLogs.list(query);
  }

  @Get(':log_id')
  @ApiOperation({ summary: 'One audit row' })
  @ApiOkResponse({ type: AuditLogResponseDto })
  get(@UuidParam('log_id') logId: string): Promise<AuditLogResponseDto> {
    return this.auditLogs.get(logId);
  }
}
