import { type DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ConfigType } from '@nestjs/config';
import { databaseConfig } from '../../config';
import { connectWithRetry } from './connect';
import { buildDataSourceOptions, describeDatabase } from './postgres-options';
import { DatabasePool } from './database-pool';
import { PreparedStatements } from './prepared-statements';
import { Transactions } from './transactions';

export const DATABASE_URL = Symbol('DATABASE_URL');

/**
 * The TypeORM data source for the URL the caller resolved (the configured one, or the embedded
 * server's). Start-up waits for the database with bounded retries and applies pending migrations
 * when MIGRATIONS_RUN is on.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [databaseConfig.KEY],
          useFactory: (config: ConfigType<typeof databaseConfig>) => ({
            ...buildDataSourceOptions(config, databaseUrl),
            // connectWithRetry below is the retry policy; @nestjs/typeorm's own would stack on it.
            toRetry: () => false,
          }),
          dataSourceFactory: async (options) => {
            const config = databaseConfig();
            const logger = new Logger('Database');
            const dataSource = await connectWithRetry(options!, config.connectRetryMs, logger);
            if (config.migrationsRun) {
              const applied = await dataSource.runMigrations({ transaction: 'each' });
              if (applied.length > 0) {
                logger.log(
                  `Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`,
                );
              }
            }
            logger.log(`Connected to PostgreSQL at ${describeDatabase(databaseUrl)}`);
            return dataSource;
          },
        }),
      ],
      providers: [
        { provide: DATABASE_URL, useValue: databaseUrl },
        Transactions,
        DatabasePool,
        PreparedStatements,
      ],
      exports: [DATABASE_URL, Transactions, DatabasePool, PreparedStatements],
    };
  }
}
