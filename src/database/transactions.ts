import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * An open PostgreSQL transaction, handed by a service to the repositories it calls. Services
 * name this type and never TypeORM's: `typeorm` stays in repositories, entities, migrations and
 * `src/database/` (an ESLint zone enforces it).
 */
export type Transaction = EntityManager;

/** Runs work in one transaction: committed when `work` resolves, rolled back when it throws. */
@Injectable()
export class Transactions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
