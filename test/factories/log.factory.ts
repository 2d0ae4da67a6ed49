import { randomUUID } from 'node:crypto';
import type { NewLogRow } from '../../src/logs/logs.repository';

/** A valid retrieval log row for `LogsRepository.insertMany`. */
export function buildLog(overrides: Partial<NewLogRow> = {}): NewLogRow {
  return {
    user_query: `What is ${randomUUID().slice(0, 8)}?`,
    retrieval_mode: 'vector',
    retrieved_chunks: [{ chunk_id: randomUUID(), score: 0.8 }],
    filters: {},
    timings: { search_ms: 5 },
    ...overrides,
  };
}
