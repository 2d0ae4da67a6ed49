import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
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

  /** One INSERT; returns the log ids in the order of `rows`. */
  insertMany(manager: EntityManager, rows: readonly NewLogRow[]): Promise<string[]> {
    return this.insertSerialized(
      manager,
      rows.map((row) => JSON.stringify(row)),
    );
  }

  /**
   * insertMany for rows already serialised as JSON objects (the retrieval log's queue holds them
   * so, to weigh them): one INSERT of the whole batch from one `jsonb` parameter. Omitted fields
   * take the columns' defaults. Written out rather than through TypeORM's insert builder, which
   * cost ≈ 50 µs of the event loop per row (a retrieval's whole trace costs less to serialise).
   */
  async insertSerialized(manager: EntityManager, rows: readonly string[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const inserted = await manager.query<{ log_id: string }[]>(
      `INSERT INTO logs (log_id, user_query, retrieval_mode, retrieved_chunks, response, "timestamp",
                         request_id, user_id, filters, timings)
       SELECT coalesce(r.log_id, gen_random_uuid()), r.user_query, r.retrieval_mode,
              coalesce(r.retrieved_chunks, '[]'), r.response, coalesce(r."timestamp", now()),
              r.request_id, r.user_id, coalesce(r.filters, '{}'), coalesce(r.timings, '{}')
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (
                log_id uuid, user_query text, retrieval_mode text, retrieved_chunks jsonb, response text,
                "timestamp" timestamptz, request_id text, user_id uuid, filters jsonb, timings jsonb))
              WITH ORDINALITY AS r(log_id, user_query, retrieval_mode, retrieved_chunks, response,
                                   "timestamp", request_id, user_id, filters, timings, position)
        ORDER BY r.position
       RETURNING log_id`,
      [`[${rows.join(',')}]`],
    );
    return inserted.map((row) => row.log_id);
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
