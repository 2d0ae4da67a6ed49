import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageResponseDto, type Page } from '../common/pagination';
import { UuidParam } from '../common/request-params';
import { AttachResponseDto } from './dto/attach-response.dto';
import { ListLogsQueryDto } from './dto/list-logs-query.dto';
import { LogResponseDto } from './dto/log-response.dto';
import { LogsService } from './logs.service';
import { RequireRole } from '../auth/roles';
import { ApiBodyExamples } from '../common/api-examples';

@ApiTags('logs')
@RequireRole('writer')
@Controller('v1/logs')
export class LogsController {
  constructor(private readonly logs: LogsService) {}

  @Get()
  @ApiOperation({
    summary: 'Retrieval logs, newest first, filtered by retrieval_mode, user_id and time range',
  })
  @ApiOkResponse({ type: PageResponseDto(LogResponseDto) })
  list(@Query() query: ListLogsQueryDto): Promise<Page<LogResponseDto>> {
    return this.logs.list(query);
  }

  @Get(':log_id')
  @ApiOperation({ summary: 'One retrieval log' })
  @ApiOkResponse({ type: LogResponseDto })
  get(@UuidParam('log_id') logId: string): Promise<LogResponseDto> {
    return this.logs.get(logId);
  }

  @Patch(':log_id')
  @ApiOperation({ summary: 'Attach the generated response to a retrieval log' })
  @ApiBodyExamples(AttachResponseDto, {
    answer: {
      summary: 'The answer generated from this retrieval',
      value: { response: 'Its electrical resistance changes when it is stretched (p. 42).' },
    },
  })
  @ApiOkResponse({ type: LogResponseDto })
  attachResponse(
    @UuidParam('log_id') logId: string,
    @Body() dto: AttachResponseDto,
  ): Promise<LogResponseDto> {
    return this.logs.attachResponse(logId, dto);
  }
}
