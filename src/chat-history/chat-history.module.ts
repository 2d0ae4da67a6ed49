import { Module } from '@nestjs/common';
import { AuditLogsModule } from '../audit-logs/audit-logs.module';
import { LogsModule } from '../logs/logs.module';
import { UsersModule } from '../users/users.module';
import { ChatHistoryController } from './chat-history.controller';
import { ChatHistoryRepository } from './chat-history.repository';
import { ChatHistoryService } from './chat-history.service';

@Module({
  imports: [AuditLogsModule, UsersModule, LogsModule],
  controllers: [ChatHistoryController],
  providers: [ChatHistoryService, ChatHistoryRepository],
  exports: [ChatHistoryService],
})
export class ChatHistoryModule {}
