import { randomUUID } from 'node:crypto';
import type { ChatTurnRequest } from '../../client';

/** A valid POST /v1/chat/turns body for `userId`, typed by the generated client (client/). */
export function buildChatTurn(userId: string, overrides: Partial<ChatTurnRequest> = {}): ChatTurnRequest {
  return {
    user_id: userId,
    session_id: 'session-1',
    query: 'What is a transaction?',
    response: 'A unit of work that commits or rolls back as a whole.',
    source_chunks: [{ chunk_id: randomUUID(), page_reference: 3 }],
    ...overrides,
  };
}
