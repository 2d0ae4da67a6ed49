import { Module } from '@nestjs/common';
import { AuditLogsModule } from '../audit-logs/audit-logs.module';
import { LogsController } from './logs.controller';
import { LogsRepository } from './logs.repository';
import { LogsService } from './logs.service';

/** Exports its repository as well: retrieval writes log rows off the hot path in batches. */
@Module({
  imports: [AuditLogsModule],
  controllers: [LogsController],
  providers: [LogsService, LogsRepository],
  exports: [LogsService, LogsRepository],
})
export class LogsModule {}
