import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { NeonHealthIndicator } from './neon.health';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly neon: NeonHealthIndicator,
  ) {}

  @Get('db/status/neon')
  @HealthCheck()
  @ApiOperation({ summary: 'PostgreSQL (Neon) reachability: SELECT 1 within 1.5 s' })
  neonStatus() {
    return this.health.check([() => this.neon.ping()]);
  }

  @Get('health/live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers; checks no dependency' })
  live() {
    return this.health.check([]);
  }

  @Get('health/ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: databases reachable and migrations applied' })
  ready() {
    return this.health.check([() => this.neon.ping(), () => this.neon.migrations()]);
  }
}
