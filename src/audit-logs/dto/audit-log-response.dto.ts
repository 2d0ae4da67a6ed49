import { ApiProperty } from '@nestjs/swagger';
import type { AuditLogEntity } from '../audit-log.entity';

export class AuditLogResponseDto {
  @ApiProperty({ description: 'Audit row id', example: '0b7c6a2e-4f1d-4c1e-9a53-2f0f3c1d9e11' })
  log_id!: string;

  @ApiProperty({ description: 'What was done', example: 'update' })
  operation_type!: string;

  @ApiProperty({ description: 'Kind of resource it was done to', example: 'user' })
  resource_type!: string;

  @ApiProperty({
    description: 'Id of that resource',
    example: '5d1f7a40-8c8e-4f57-9d0b-7d8f8c4c2a10',
    nullable: true,
    type: String,
  })
  resource_id!: string | null;

  @ApiProperty({
    description: 'Acting user, when known',
    example: '5d1f7a40-8c8e-4f57-9d0b-7d8f8c4c2a10',
    nullable: true,
    type: String,
  })
  user_id!: string | null;

  @ApiProperty({ description: 'When it was done', example: '2025-11-24T10:00:00.000Z' })
  operation_timestamp!: Date;

  @ApiProperty({
    description:
      'What changed and who acted. Users, logs and chat turns: the names of the changed fields ' +
      '(`changed_fields`), never their values, so erasing a user leaves nothing personal here; chunks: ' +
      'old and new metadata values. Never secrets or embeddings. `actor`: the acting principal; ' +
      '`client_request_id`: the x-request-id the client sent, if any.',
    example: {
      changed_fields: ['email', 'preferences'],
      actor: { kind: 'api_key', key_id: '7d0d2b8e-4a57-4c09-9a5b-1d1c6c0f4d11', role: 'writer' },
    },
  })
  details!: Record<string, unknown>;

  @ApiProperty({ description: 'Client address', example: '203.0.113.7', nullable: true, type: String })
  ip_address!: string | null;

  @ApiProperty({ description: 'Client user agent', example: 'curl/8.5.0', nullable: true, type: String })
  user_agent!: string | null;

  @ApiProperty({
    description: 'Request id (x-request-id)',
    example: 'trace-42',
    nullable: true,
    type: String,
  })
  request_id!: string | null;
}

export function toAuditLogResponse(row: AuditLogEntity): AuditLogResponseDto {
  return {
    log_id: row.log_id,
    operation_type: row.operation_type,
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    user_id: row.user_id,
    operation_timestamp: row.operation_timestamp,
    details: row.details,
    ip_address: row.ip_address,
    user_agent: row.user_agent,
    request_id: row.request_id,
  };
}
