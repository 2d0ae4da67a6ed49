import { DataSource } from 'typeorm';
import { IngestService } from '../../src/ingestion/ingest.service';
import { bookChunks, ingestBody, uniqueDocument } from '../support/ingest';
import { startServiceContext, type ServiceContext } from '../support/service-context';

const DIM = 8;

/** IngestService on real PostgreSQL and the embedded vector store, without HTTP. */
describe('IngestService (service tier)', () => {
  let ctx: ServiceContext;
  let ingest: IngestService;
  let db: DataSource;

  beforeAll(async () => {
    ctx = await startServiceContext({ VECTOR_SIZE: String(DIM) });
    ingest = ctx.get(IngestService);
    db = ctx.get(DataSource);
  });
  afterAll(() => ctx?.close());

  const request = (document: string, count: number, extra: Record<string, unknown> = {}) =>
    ingestBody(document, bookChunks(count, DIM), extra);
  const rowsOf = (document: string) =>
    db.query<{ chunk_index: number; deleted: boolean }[]>(
      `SELECT chunk_index, deleted_at IS NOT NULL AS deleted FROM chunks WHERE document_reference = $1
        ORDER BY chunk_index`,
      [document],
    );

  it('writes the batch and its audit row, and answers synced once searchable', async () => {
    const document = uniqueDocument();
    const { synced, response } = await ingest.ingestBatch(request(document, 3));
    expect(synced).toBe(true);
    expect(response).toMatchObject({ created: 3, updated: 0, skipped: 0, deleted: 0 });
    expect(response.chunks.map((c) => c.status)).toEqual(['synced', 'synced', 'synced']);
    const [audit] = await db.query(`SELECT details FROM audit_logs WHERE resource_id = $1`, [document]);
    expect(audit.details).toMatchObject({ ingest_id: response.ingest_id, created: 3 });
  });

  it.each([
    ['skip', { created: 0, updated: 0, skipped: 2 }],
    ['overwrite', { created: 0, updated: 2, skipped: 0 }],
  ])('re-sending a document with on_duplicate "%s"', async (policy, counts) => {
    const document = uniqueDocument();
    await ingest.ingestBatch(request(document, 2));
    const { response } = await ingest.ingestBatch(request(document, 2, { on_duplicate: policy }));
    expect(response).toMatchObject(counts);
  });

  it('on_duplicate "error" refuses the whole batch with the duplicates named, writing nothing', async () => {
    const document = uniqueDocument();
    await ingest.ingestBatch(request(document, 1));
    const extended = request(document, 3, { on_duplicate: 'error' });
    await expect(ingest.ingestBatch(extended)).rejects.toMatchObject({
      code: 'DUPLICATE',
      details: { duplicates: [expect.objectContaining({ index: 0 })] },
    });
    expect(await rowsOf(document)).toHaveLength(1);
  });

  it('cleanup "full" leaves the document with exactly the new set', async () => {
    const document = uniqueDocument();
    await ingest.ingestBatch(request(document, 4));
    const { response } = await ingest.ingestBatch(request(document, 2, { cleanup: 'full' }));
    expect(response).toMatchObject({ skipped: 2, deleted: 2 });
    expect((await rowsOf(document)).map((r) => r.deleted)).toEqual([false, false, true, true]);
  });

  it('never moves a chunk of another document under overwrite: 409 naming it, nothing written', async () => {
    const first = uniqueDocument();
    const { response } = await ingest.ingestBatch(request(first, 1));
    const stolen = response.chunks[0].chunk_id;
    const other = uniqueDocument();
    const body = ingestBody(other, [{ ...bookChunks(1, DIM, { seed: 9 })[0], chunk_id: stolen }], {
      on_duplicate: 'overwrite',
    });
    await expect(ingest.ingestBatch(body)).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { chunks: [{ index: 0, chunk_id: stolen, document_reference: first }] },
    });
    expect(await rowsOf(other)).toEqual([]);
    expect(await rowsOf(first)).toEqual([{ chunk_index: 0, deleted: false }]);
  });

  it('a re-sent batch whose vectors are still pending answers pending, not skipped-and-done', async () => {
    const document = uniqueDocument();
    await ingest.ingestBatch(request(document, 2));
    // As if the relay had not reached them yet.
    await db.query(`UPDATE chunks SET sync_status = 'pending' WHERE document_reference = $1`, [document]);
    await db.query(`DELETE FROM vector_outbox`);
    const { synced, response } = await ingest.ingestBatch(request(document, 2, { wait_ms: 200 }));
    expect(synced).toBe(false);
    expect(response.chunks.map((c) => c.status)).toEqual(['pending', 'pending']);
  });

  it('checks chunk metadata by the same bounded-JSON rule as PATCH, naming the field', async () => {
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    const body = ingestBody(uniqueDocument(), [{ ...bookChunks(1, DIM)[0], metadata: deep }]);
    await expect(ingest.ingestBatch(body)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ field: 'chunks.0.metadata', rules: ['maxJsonDepth'] })],
    });
  });
});
