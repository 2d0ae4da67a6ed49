import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { VectorsModule } from '../vectors/vectors.module';
import { NeonHealthIndicator } from './neon.health';
import { ProbeConnection } from '../database/probe-connection';
import { QdrantHealthIndicator } from './qdrant.health';
import { RateLimitHealthIndicator } from './rate-limit.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), VectorsModule],
  controllers: [HealthController],
  providers: [ProbeConnection, NeonHealthIndicator, QdrantHealthIndicator, RateLimitHealthIndicator],
})
export class HealthModule {}
