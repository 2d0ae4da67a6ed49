import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DocumentChunksRepository } from '../../src/chunks/document-chunks.repository';
import type { NewChunkRow } from '../../src/chunks/chunk-columns';
import { apiClient, collectPages, violations, type ApiClient } from '../factories/api-client';
import { buildChunk, buildDocumentChunks } from '../factories/chunk.factory';
import { startTestApp, type TestApp } from '../support/app';

describe('chunks API', () => {
  let t: TestApp;
  let api: ApiClient;
  let db: DataSource;
  let chunks: DocumentChunksRepository;

  beforeAll(async () => {
    t = await startTestApp();
    api = apiClient(t.baseUrl);
    db = t.app.get(DataSource);
    chunks = t.app.get(DocumentChunksRepository);
  });
  afterAll(() => t?.close());

  const insert = (...rows: NewChunkRow[]) => db.transaction((manager) => chunks.insertMany(manager, rows));
  const outboxFor = (chunkId: string) =>
    db.query(`SELECT operation FROM vector_outbox WHERE chunk_id = $1 ORDER BY id`, [chunkId]);
  const syncStatus = async (chunkId: string) =>
    (
      await db.query<{ sync_status: string }[]>(`SELECT sync_status FROM chunks WHERE chunk_id = $1`, [
        chunkId,
      ])
    )[0]?.sync_status;

  it('reads one chunk without its embedding', async () => {
    const row = buildChunk({ section_title: `'; DROP TABLE chunks; --`, sync_status: 'synced' });
    await insert(row);
    const res = await api.get(`/v1/chunks/${row.chunk_id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      chunk_id: row.chunk_id,
      document_reference: row.document_reference,
      chunk_index: row.chunk_index,
      chunk_text: row.chunk_text,
      section_title: `'; DROP TABLE chunks; --`,
      content_hash: row.content_hash,
      metadata: { source: 'factory' },
      sync_status: 'synced',
      deleted_at: null,
    });
    expect(res.body).not.toHaveProperty('embedding');
    expect(res.body).not.toHaveProperty('search_vector');
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expect(violations((await api.get('/v1/chunks/123')).body)).toEqual(['chunk_id: isUUID']);
    expect((await api.get(`/v1/chunks/${randomUUID()}`)).status).toBe(404);
    expect((await api.patch(`/v1/chunks/${randomUUID()}`, { section_title: 'x' })).status).toBe(404);
    expect((await api.delete(`/v1/chunks/${randomUUID()}?hard=true`)).status).toBe(404);
  });

  it('PATCH changes metadata, marks the chunk pending, enqueues an upsert and audits old and new values', async () => {
    const row = buildChunk({ sync_status: 'synced', page_reference: 4 });
    await insert(row);
    const res = await api.patch(`/v1/chunks/${row.chunk_id}`, {
      section_title: 'Isolation',
      page_reference: null,
      metadata: { figure: '3.2' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      section_title: 'Isolation',
      page_reference: null,
      metadata: { figure: '3.2' },
      sync_status: 'pending',
    });
    expect(await syncStatus(row.chunk_id)).toBe('pending');
    expect(await outboxFor(row.chunk_id)).toEqual([{ operation: 'upsert' }]);
    const audit = await api.get(`/v1/audit-logs?resource_type=chunk&resource_id=${row.chunk_id}`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({
      operation_type: 'update',
      user_id: null,
      details: {
        changes: {
          section_title: { old: 'Introduction', new: 'Isolation' },
          page_reference: { old: 4, new: null },
          metadata: { old: { source: 'factory' }, new: { figure: '3.2' } },
        },
      },
    });
  });

  it('a PATCH that changes nothing leaves the chunk synced and enqueues nothing', async () => {
    const row = buildChunk({ sync_status: 'synced' });
    await insert(row);
    const res = await api.patch(`/v1/chunks/${row.chunk_id}`, { section_title: row.section_title });
    expect(res.status).toBe(200);
    expect(await syncStatus(row.chunk_id)).toBe('synced');
    expect(await outboxFor(row.chunk_id)).toEqual([]);
  });

  it('rejects invalid PATCH bodies naming the field and the rule', async () => {
    const row = buildChunk();
    await insert(row);
    const res = await api.patch(`/v1/chunks/${row.chunk_id}`, {
      page_reference: -1,
      section_title: 'x'.repeat(501),
      metadata: null,
      chunk_text: 'not patchable',
    });
    expect(res.status).toBe(400);
    expect(violations(res.body)).toEqual(
      expect.arrayContaining([
        'page_reference: min',
        'section_title: maxLength',
        'metadata: isObject',
        'chunk_text: whitelistValidation',
      ]),
    );
  });

  it('soft delete hides the chunk, enqueues a delete and can still be seen with include_deleted', async () => {
    const row = buildChunk();
    await insert(row);
    expect((await api.delete(`/v1/chunks/${row.chunk_id}`)).status).toBe(204);
    expect((await api.get(`/v1/chunks/${row.chunk_id}`)).status).toBe(404);
    expect((await api.delete(`/v1/chunks/${row.chunk_id}`)).status).toBe(404);
    expect((await api.patch(`/v1/chunks/${row.chunk_id}`, { section_title: 'x' })).status).toBe(404);
    const hidden = await api.get(`/v1/chunks/${row.chunk_id}?include_deleted=true`);
    expect(hidden.status).toBe(200);
    expect(hidden.body.deleted_at).not.toBeNull();
    expect(await outboxFor(row.chunk_id)).toEqual([{ operation: 'delete' }]);
  });

  it('hard delete removes the row (even a soft-deleted one) and enqueues a delete each time', async () => {
    const row = buildChunk();
    await insert(row);
    await api.delete(`/v1/chunks/${row.chunk_id}`);
    expect((await api.delete(`/v1/chunks/${row.chunk_id}?hard=true`)).status).toBe(204);
    expect(await db.query(`SELECT 1 FROM chunks WHERE chunk_id = $1`, [row.chunk_id])).toEqual([]);
    expect(await outboxFor(row.chunk_id)).toEqual([{ operation: 'delete' }, { operation: 'delete' }]);
    const audit = await api.get(`/v1/audit-logs?resource_id=${row.chunk_id}`);
    expect(audit.body.items.map((r: { operation_type: string }) => r.operation_type)).toEqual([
      'hard_delete',
      'soft_delete',
    ]);
  });

  it('lists a document in chunk_index order across pages, without repeats while chunks are inserted', async () => {
    const document = `book/${randomUUID()}.md`;
    await insert(
      ...buildDocumentChunks(document, 10, 0).map((c) => ({ ...c, chunk_index: c.chunk_index * 2 })),
    );
    await insert(buildChunk({ document_reference: 'book/other.md' }));
    const deleted = buildChunk({ document_reference: document, chunk_index: 100 });
    await insert(deleted);
    await api.delete(`/v1/chunks/${deleted.chunk_id}`);

    const seen = await collectPages<{ chunk_index: number; chunk_id: string }>(
      api,
      `/v1/chunks?document_reference=${encodeURIComponent(document)}&limit=4`,
      async (page) => {
        // One lands before the cursor (not served: already passed), one after it (served once).
        if (page === 1)
          await insert(...[1, 15].map((i) => buildChunk({ document_reference: document, chunk_index: i })));
      },
    );
    expect(seen.items.map((c) => c.chunk_index)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 15, 16, 18]);
    expect(new Set(seen.items.map((c) => c.chunk_id)).size).toBe(seen.items.length);

    const all = await api.get(
      `/v1/chunks?document_reference=${encodeURIComponent(document)}&include_deleted=true&limit=200`,
    );
    expect(all.body.items.map((c: { chunk_index: number }) => c.chunk_index)).toContain(100);
    expect(all.body.next_cursor).toBeNull();

    expect(violations((await api.get('/v1/chunks')).body)).toContain('document_reference: isString');
  });
});
