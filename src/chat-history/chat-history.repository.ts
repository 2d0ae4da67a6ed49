import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import type { Page, PageRequest } from '../common/pagination';
import { keysetOrder, paginateKeyset } from '../database/keyset-pagination';
import { ChatTurnEntity } from './chat-turn.entity';

const NEWEST_FIRST = keysetOrder('DESC', ['timestamp', 'timestamptz'], ['chat_id', 'uuid']);

export type NewChatTurnRow = Pick<ChatTurnEntity, 'query' | 'response' | 'source_chunks'> &
  Partial<Pick<ChatTurnEntity, 'user_id' | 'session_id' | 'log_id'>>;

@Injectable()
export class ChatHistoryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, row: NewChatTurnRow): Promise<ChatTurnEntity> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(ChatTurnEntity)
      .values(row as QueryDeepPartialEntity<ChatTurnEntity>)
      .returning('*')
      .execute();
    return manager.create(ChatTurnEntity, (result.raw as object[])[0]);
  }

  /**
   * Newest first; chat_history_user_id_timestamp_idx (or its session_id twin) serves both the
   * filter and the order.
   */
  listByUser(
    userId: string,
    sessionId: string | undefined,
    page: PageRequest,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Page<ChatTurnEntity>> {
    const qb = manager.createQueryBuilder(ChatTurnEntity, 't').where('t.user_id = :userId', { userId });
    if (sessionId !== undefined) qb.andWhere('t.session_id = :sessionId', { sessionId });
    return paginateKeyset(qb, NEWEST_FIRST, page);
  }

  /** An anonymous conversation, newest first, through chat_history_anonymous_session_id_timestamp_idx. */
  listAnonymousBySession(
    sessionId: string,
    page: PageRequest,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Page<ChatTurnEntity>> {
    const qb = manager
      .createQueryBuilder(ChatTurnEntity, 't')
      .where('t.user_id IS NULL')
      .andWhere('t.session_id = :sessionId', { sessionId });
    return paginateKeyset(qb, NEWEST_FIRST, page);
  }
}
