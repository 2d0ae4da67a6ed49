import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConsistencyRepairService, type RepairReport } from './consistency-repair.service';
import { ConsistencyService, type ConsistencyReport } from './consistency.service';
import { RepairQueryDto } from './dto/repair-query.dto';
import { RequireRole } from '../auth/roles';
import { RateLimitClass } from '../auth/rate-limit';

@ApiTags('admin')
@RequireRole('admin')
@RateLimitClass('admin')
@Controller('v1/admin/consistency')
export class ConsistencyController {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly repairs: ConsistencyRepairService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Compare Postgres with the vector store',
    description:
      'Counts and up to 20 sample ids of: missing_in_vector_store, orphaned_in_vector_store, stale_payload, ' +
      'deleted_but_present, stuck_pending, failed. All zeros on a consistent system.',
  })
  @ApiOkResponse({ description: 'The report' })
  check(): Promise<ConsistencyReport> {
    return this.consistency.check();
  }

  @Post('repair')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Fix every drift from Postgres',
    description:
      'Re-upserts from stored embeddings, deletes orphans, rewrites payloads, retries failed syncs.',
  })
  repair(@Query() query: RepairQueryDto): Promise<RepairReport> {
    return this.repairs.repair(query.wait_ms ?? 10_000);
  }
}
