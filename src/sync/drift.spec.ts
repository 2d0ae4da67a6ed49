import { payloadOf } from './chunk-point';
import type { ChunkForCheck } from './consistency.repository';
import { classifyRow, repairFor, DRIFT_KINDS } from './drift';

const STUCK_AFTER_MS = 60_000;
const row = (overrides: Partial<ChunkForCheck> = {}): ChunkForCheck => ({
  chunk_id: '00000000-0000-4000-8000-000000000001',
  document_reference: 'book.md',
  chunk_index: 2,
  chunk_text: 'The lantern gallery had 217 steps.',
  embedding_model: 'hashing-v1',
  page_reference: 4,
  section_title: 'Chapter 1',
  processing_version: 'v1',
  sync_status: 'synced',
  deleted: false,
  queued: false,
  pending_for_ms: 0,
  ...overrides,
});

describe('classifyRow (drift classification)', () => {
  it.each<[string, Partial<ChunkForCheck>, boolean, string | null]>([
    ['synced with a matching point', {}, true, null],
    ['synced without a point', {}, false, 'missing_in_vector_store'],
    ['soft-deleted with a point', { deleted: true }, true, 'deleted_but_present'],
    ['soft-deleted without a point', { deleted: true }, false, null],
    ['failed', { sync_status: 'failed' }, true, 'failed'],
    [
      'pending with queued work, recent',
      { sync_status: 'pending', queued: true, pending_for_ms: 10 },
      false,
      null,
    ],
    ['pending with nothing queued', { sync_status: 'pending', queued: false }, false, 'stuck_pending'],
    [
      'pending, queued but old',
      { sync_status: 'pending', queued: true, pending_for_ms: 61_000 },
      true,
      'stuck_pending',
    ],
  ])('%s → %s', (_case, overrides, hasPoint, expected) => {
    const r = row(overrides);
    expect(classifyRow(r, hasPoint ? payloadOf(r) : undefined, STUCK_AFTER_MS)).toBe(expected);
  });

  it.each([
    ['text_content', { text_content: 'changed' }],
    ['section title', { metadata: { ...payloadOf(row()).metadata, section_title: 'Chapter 2' } }],
    [
      'a null page stored as missing',
      { metadata: { ...payloadOf(row()).metadata, page_reference: undefined } },
    ],
  ])('a payload differing in %s is stale', (_field, change) => {
    const stored = { ...payloadOf(row()), ...change } as ReturnType<typeof payloadOf>;
    expect(classifyRow(row(), stored, STUCK_AFTER_MS)).toBe('stale_payload');
  });

  it('ignores payload keys the store added', () => {
    const stored = { ...payloadOf(row()), extra: 1 } as ReturnType<typeof payloadOf>;
    expect(classifyRow(row(), stored, STUCK_AFTER_MS)).toBeNull();
  });

  it('repairs every kind: removes points that must not exist, re-sends the rest, retries failures', () => {
    expect(Object.fromEntries(DRIFT_KINDS.map((kind) => [kind, repairFor(kind)]))).toEqual({
      missing_in_vector_store: 'upsert',
      orphaned_in_vector_store: 'delete',
      stale_payload: 'upsert',
      deleted_but_present: 'delete',
      stuck_pending: 'upsert',
      failed: 'retry',
    });
  });
});
