import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { configNamespaces } from '../config';
import { AuditLogsModule } from './audit-logs/audit-logs.module';
import { AuthModule } from './auth/auth.module';
import { ChatHistoryModule } from './chat-history/chat-history.module';
import { ChunksModule } from './chunks/chunks.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { RequestContextModule } from './common/request-context.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { SyncModule } from './sync/sync.module';
import { LogsModule } from './logs/logs.module';
import { LoggerModule, type LogOutput } from './observability/logger.module';
import { MetricsModule } from './observability/metrics.module';
import { RetrievalModule } from './retrieval/retrieval.module';
import { UsersModule } from './users/users.module';
import { VectorsModule } from './vectors/vectors.module';

export interface AppModuleOptions {
  /** The PostgreSQL URL to use: the configured one, or the embedded server's. */
  databaseUrl: string;
  /** Where logs go: stdout for the server (default), stderr for a CLI whose stdout is its output. */
  logOutput?: LogOutput;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...databaseTools(options),
        HealthModule,
        VectorsModule,
        UsersModule,
        ChunksModule,
        LogsModule,
        ChatHistoryModule,
        AuditLogsModule,
        SyncModule,
        IngestionModule,
        RetrievalModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }

  /**
   * The database's part of the graph only (API keys, users, audit), for CLIs that never touch
   * vectors: it opens no vector store and starts no outbox relay, so it can run beside a service
   * that owns the embedded vector store.
   */
  static forDatabaseTools(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: databaseTools(options),
    };
  }
}

/** Configuration, logging, metrics, request context, auth and PostgreSQL: what every graph needs. */
function databaseTools(options: AppModuleOptions) {
  return [
    ConfigModule.forRoot({ isGlobal: true, cache: true, ignoreEnvFile: true, load: configNamespaces }),
    LoggerModule.forRoot(options.logOutput),
    MetricsModule,
    RequestContextModule,
    AuthModule,
    DatabaseModule.forRoot(options.databaseUrl),
  ];
}
