import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** What node-postgres' pool reports about its connections. */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The application's connection pool, as metrics see it (the driver's internals stay here). */
@Injectable()
export class DatabasePool {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Undefined before the pool exists. */
  counts(): PoolCounts | undefined {
    return (this.dataSource.driver as PostgresDriver).master as PoolCounts | undefined;
  }
}
