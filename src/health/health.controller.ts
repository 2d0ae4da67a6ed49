import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { NeonHealthIndicator } from './neon.health';
import { QdrantHealthIndicator } from './qdrant.health';
import { RateLimitHealthIndicator } from './rate-limit.health';
import { Public } from '../auth/roles';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly neon: NeonHealthIndicator,
    private readonly qdrant: QdrantHealthIndicator,
    private readonly rateLimit: RateLimitHealthIndicator,
  ) {}

  @Get('db/status/neon')
  @HealthCheck()
  @ApiOperation({ summary: 'PostgreSQL (Neon) reachability: SELECT 1 within 1.5 s' })
  neonStatus() {
    return this.health.check([() => this.neon.ping()]);
  }

  @Get('db/status/qdrant')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Vector store (Qdrant, or the embedded store): reachable, collection with the configured size, within 1.5 s',
  })
  qdrantStatus() {
    return this.health.check([() => this.qdrant.check()]);
  }

  @Get('health/live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers; checks no dependency' })
  live() {
    return this.health.check([]);
  }

  @Get('health/ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: databases reachable and migrations applied; also says where rate limits are counted ' +
      '(rate_limit.store: redis, or per_process — with reason redis_unreachable while Redis is down, ' +
      'which does not make the replica unready)',
  })
  ready() {
    return this.health.check([
      () => this.neon.ping(),
      () => this.neon.migrations(),
      () => this.qdrant.check(),
      () => this.rateLimit.check(),
    ]);
  }
}
