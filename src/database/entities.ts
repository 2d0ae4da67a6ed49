import { AuditLogEntity } from '../audit-logs/audit-log.entity';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { ChatTurnEntity } from '../chat-history/chat-turn.entity';
import { ChunkEntity } from '../chunks/chunk.entity';
import { VectorOutboxEntity } from '../chunks/vector-outbox.entity';
import { RebuildLeaseEntity } from '../sync/rebuild-lease.entity';
import { VectorCollectionEntity } from '../sync/vector-collection.entity';
import { LogEntity } from '../logs/log.entity';
import { UserEntity } from '../users/user.entity';

/** Every table the service maps; the TypeORM CLI and the app share this list. */
export const ENTITIES = [
  UserEntity,
  ChunkEntity,
  LogEntity,
  ChatTurnEntity,
  AuditLogEntity,
  VectorOutboxEntity,
  VectorCollectionEntity,
  RebuildLeaseEntity,
  ApiKeyEntity,
];
