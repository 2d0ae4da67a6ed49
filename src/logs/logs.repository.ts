import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import type { Page, PageRequest } from '../common/pagination';
import { keysetOrder, paginateKeyset, whereInTimeRange } from '../database/keyset-pagination';
import { LogEntity, type RetrievalMode } from './log.entity';

const NEWEST_FIRST = keysetOrder('DESC', ['timestamp', 'timestamptz'], ['log_id', 'uuid']);

/** One retrieval to record. Omitted optional fields take the column defaults (timestamp: now()). */
export interface NewLogRow {
  user_query: string;
  retrieval_mode: RetrievalMode;
  retrieved_chunks?: unknown[];
  log_id?: string;
  response?: string | null;
  /** When the retrieval happened, if the row is written later (off the hot path). */
  timestamp?: Date;
  request_id?: string | null;
  user_id?: string | null;
  filters?: Record<string, unknown>;
  timings?: Record<string, number>;
}

export interface LogFilters {
  retrieval_mode?: RetrievalMode;
  user_id?: string;
  from?: string;
  to?: string;
}

@Injectable()
export class LogsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One multi-row INSERT; returns the log ids in the order of `rows`. */
  async insertMany(manager: EntityManager, rows: readonly NewLogRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(LogEntity)
      .values(rows as QueryDeepPartialEntity<LogEntity>[])
      .returning(['log_id'])
      .updateEntity(false)
      .execute();
    return (result.raw as { log_id: string }[]).map((row) => row.log_id);
  }

  findById(logId: string, manager: EntityManager = this.dataSource.manager): Promise<LogEntity | null> {
    return manager.findOneBy(LogEntity, { log_id: logId });
  }

  lockById(manager: EntityManager, logId: string): Promise<LogEntity | null> {
    return manager
      .createQueryBuilder(LogEntity, 'l')
      .setLock('pessimistic_write')
      .where('l.log_id = :logId', { logId })
      .getOne();
  }

  async setResponse(manager: EntityManager, logId: string, response: string): Promise<LogEntity> {
    const result = await manager
      .createQueryBuilder()
      .update(LogEntity)
      .set({ response })
      .where('log_id = :logId', { logId })
      .returning('*')
      .execute();
    return manager.create(LogEntity, (result.raw as object[])[0]);
  }

  /** Newest first; each filter has its own (filter, timestamp) index. */
  listNewestFirst(
    filters: LogFilters,
    page: PageRequest,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Page<LogEntity>> {
    const qb = manager.createQueryBuilder(LogEntity, 'l');
    if (filters.retrieval_mode !== undefined)
      qb.andWhere('l.retrieval_mode = :mode', { mode: filters.retrieval_mode });
    if (filters.user_id !== undefined) qb.andWhere('l.user_id = :userId', { userId: filters.user_id });
    whereInTimeRange(qb, 'timestamp', filters);
    return paginateKeyset(qb, NEWEST_FIRST, page);
  }
}
