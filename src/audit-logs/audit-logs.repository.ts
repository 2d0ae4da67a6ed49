import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import type { Page, PageRequest } from '../common/pagination';
import { keysetOrder, paginateKeyset, whereInTimeRange } from '../database/keyset-pagination';
import { AuditLogEntity } from './audit-log.entity';

const NEWEST_FIRST = keysetOrder('DESC', ['operation_timestamp', 'timestamptz'], ['log_id', 'uuid']);

export type NewAuditLogRow = Pick<
  AuditLogEntity,
  | 'operation_type'
  | 'resource_type'
  | 'resource_id'
  | 'user_id'
  | 'details'
  | 'ip_address'
  | 'user_agent'
  | 'request_id'
>;

export interface AuditLogFilters {
  resource_type?: string;
  resource_id?: string;
  user_id?: string;
  operation_type?: string;
  from?: string;
  to?: string;
}

@Injectable()
export class AuditLogsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, row: NewAuditLogRow): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(AuditLogEntity)
      .values(row as QueryDeepPartialEntity<AuditLogEntity>)
      .updateEntity(false)
      .execute();
  }

  findById(logId: string, manager: EntityManager = this.dataSource.manager): Promise<AuditLogEntity | null> {
    return manager.findOneBy(AuditLogEntity, { log_id: logId });
  }

  /** Newest first; `resource_*` uses audit_logs_resource_idx, `user_id` audit_logs_user_id_idx. */
  listNewestFirst(
    filters: AuditLogFilters,
    page: PageRequest,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Page<AuditLogEntity>> {
    const qb = manager.createQueryBuilder(AuditLogEntity, 'a');
    for (const field of ['resource_type', 'resource_id', 'user_id', 'operation_type'] as const) {
      if (filters[field] !== undefined) qb.andWhere(`a.${field} = :${field}`, { [field]: filters[field] });
    }
    whereInTimeRange(qb, 'operation_timestamp', filters);
    return paginateKeyset(qb, NEWEST_FIRST, page);
  }
}
