import { planIngest, type DuplicatePolicy, type ExistingChunk } from './ingest-plan';

const DOC = 'book/ch1.md';
const write = (chunk_id: string, content_hash: string, chunk_index = 0) => ({
  chunk_id,
  content_hash,
  chunk_index,
});
const row = (
  chunk_id: string,
  content_hash: string,
  live = true,
  document_reference = DOC,
): ExistingChunk => ({
  chunk_id,
  content_hash,
  live,
  document_reference,
});

describe('planIngest (the duplicate policy)', () => {
  it.each<[string, ExistingChunk[], DuplicatePolicy, string, string]>([
    ['new content, new id', [], 'skip', 'insert', 'a'],
    ['same id, live, same content', [row('a', 'h1')], 'skip', 'skip', 'a'],
    ['same id, live, same content, overwrite', [row('a', 'h1')], 'overwrite', 'overwrite', 'a'],
    ['same id soft-deleted: revived in place', [row('a', 'h1', false)], 'skip', 'overwrite', 'a'],
    ['same live content under another id: skipped onto it', [row('b', 'h1')], 'skip', 'skip', 'b'],
    ['same live content under another id, overwrite', [row('b', 'h1')], 'overwrite', 'overwrite', 'b'],
    [
      'same id soft-deleted but content live elsewhere',
      [row('a', 'h0', false), row('b', 'h1')],
      'skip',
      'skip',
      'b',
    ],
    [
      'same content live in another document: not a duplicate',
      [row('b', 'h1', true, 'other')],
      'skip',
      'insert',
      'a',
    ],
  ])('%s → %s', (_case, existing, policy, action, landsOn) => {
    const { planned } = planIngest(DOC, [write('a', 'h1')], existing, policy);
    expect(planned).toEqual([{ write: write(landsOn, 'h1'), action }]);
  });

  it('a repeat of content earlier in the batch is a duplicate of that chunk, never overwritten', () => {
    const { planned, duplicates } = planIngest(
      DOC,
      [write('a', 'h1', 0), write('b', 'h1', 1)],
      [],
      'overwrite',
    );
    expect(planned.map((p) => [p.action, p.write.chunk_id])).toEqual([
      ['insert', 'a'],
      ['skip', 'a'],
    ]);
    expect(duplicates).toEqual([{ index: 1, chunk_id: 'b', existing_chunk_id: 'a' }]);
  });

  it('lists every duplicate so that on_duplicate "error" can name them', () => {
    const { duplicates } = planIngest(
      DOC,
      [write('a', 'h1', 0), write('c', 'h2', 1)],
      [row('b', 'h1')],
      'error',
    );
    expect(duplicates).toEqual([{ index: 0, chunk_id: 'a', existing_chunk_id: 'b' }]);
  });

  it('reports a chunk id held by another document instead of moving the chunk', () => {
    const { planned, foreign } = planIngest(
      DOC,
      [write('a', 'h1', 3)],
      [row('a', 'h9', true, 'other.md')],
      'overwrite',
    );
    expect(foreign).toEqual([{ index: 3, chunk_id: 'a', document_reference: 'other.md' }]);
    expect(planned[0].action).toBe('insert');
  });
});
