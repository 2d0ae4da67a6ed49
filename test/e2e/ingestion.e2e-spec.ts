import { Client } from 'pg';
import { createRagstoreClient, type IngestRequest } from '../../client';
import { startTestApp, type TestApp } from '../support/app';
import { bookChunks, ingestBody, postJson, uniqueDocument, unitVector } from '../support/ingest';

const DIM = 64;

describe('POST /v1/ingest (embedded stack)', () => {
  let t: TestApp;
  let pg: Client;

  beforeAll(async () => {
    t = await startTestApp({ env: { VECTOR_SIZE: String(DIM) } });
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await t?.close();
  });

  // Through the typed client (client/): the requests and answers are the documented ones.
  const ingest = async (body: IngestRequest) => {
    const { data, error, response } = await createRagstoreClient({ baseUrl: t.baseUrl }).POST('/v1/ingest', {
      body,
    });
    return { status: response.status, body: (data ?? error) as any };
  };
  const consistency = async () =>
    (await createRagstoreClient({ baseUrl: t.baseUrl }).GET('/v1/admin/consistency', {})).data as any;
  const liveRows = async (doc: string) =>
    Number(
      (
        await pg.query(`SELECT count(*) FROM chunks WHERE document_reference = $1 AND deleted_at IS NULL`, [
          doc,
        ])
      ).rows[0].count,
    );

  it('stores a 500-chunk document once, however often it is sent, and the vectors follow', async () => {
    const doc = uniqueDocument();
    const chunks = bookChunks(500, DIM);
    const first = await ingest(ingestBody(doc, chunks));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      document_reference: doc,
      created: 500,
      updated: 0,
      skipped: 0,
      deleted: 0,
    });
    expect(first.body.chunks.every((c: { status: string }) => c.status === 'synced')).toBe(true);

    const again = await ingest(ingestBody(doc, chunks));
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ created: 0, skipped: 500 });
    expect(again.body.chunks.map((c: { chunk_id: string }) => c.chunk_id)).toEqual(
      first.body.chunks.map((c: { chunk_id: string }) => c.chunk_id),
    );
    expect(await liveRows(doc)).toBe(500);
    const report = await consistency();
    expect(report).toMatchObject({
      consistent: true,
      postgres: { live: 500 },
      vector_store: { points: 500 },
    });

    // An edit: 10 chunks rewritten, 5 removed; cleanup "full" leaves exactly the new set.
    const edited = chunks
      .filter((_, i) => i < 495)
      .map((c, i) =>
        i < 10 ? { ...c, chunk_text: `${c.chunk_text} (revised)`, embedding: unitVector(DIM, 9_000 + i) } : c,
      );
    const revision = await ingest(ingestBody(doc, edited, { cleanup: 'full' }));
    expect(revision.status).toBe(201);
    expect(revision.body).toMatchObject({ created: 10, skipped: 485, deleted: 15 });
    expect(await liveRows(doc)).toBe(495);
    const texts = (
      await pg.query(
        `SELECT chunk_text FROM chunks WHERE document_reference = $1 AND deleted_at IS NULL AND chunk_index < 10`,
        [doc],
      )
    ).rows.map((r) => r.chunk_text as string);
    expect(texts.every((text) => text.endsWith('(revised)'))).toBe(true);
    expect(await consistency()).toMatchObject({
      consistent: true,
      postgres: { live: 495 },
      vector_store: { points: 495 },
    });
  });

  it('rejects a batch with any bad item, listing every one by index and rule, and writes nothing', async () => {
    const doc = uniqueDocument('bad');
    const chunks = bookChunks(6, DIM);
    chunks[1].embedding = unitVector(DIM - 1, 5);
    (chunks[2].embedding as unknown[])[7] = 'x';
    chunks[3].embedding = new Array<number>(DIM).fill(0);
    chunks[4].chunk_text = '   ';
    chunks[5].chunk_index = 0;
    const res = await ingest(ingestBody(doc, chunks));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { field: string; rules: string[] }) => [d.field, d.rules[0]])).toEqual([
      ['chunks.1.embedding', 'dimension'],
      ['chunks.2.embedding', 'finite'],
      ['chunks.3.embedding', 'nonZeroNorm'],
      ['chunks.4.chunk_text', 'notEmpty'],
      ['chunks.5.chunk_index', 'uniqueInBatch'],
    ]);
    expect(await liveRows(doc)).toBe(0);
    expect(Number((await pg.query(`SELECT count(*) FROM vector_outbox`)).rows[0].count)).toBe(0);
  });

  it('names the field and rule for malformed bodies', async () => {
    // Deliberately outside the contract: raw JSON, not the typed client.
    const res = await postJson(`${t.baseUrl}/v1/ingest`, {
      document_reference: 'x.pdf',
      chunks: [{ chunk_text: 'a', embedding: 'nope' }],
      extra: 1,
    });
    expect(res.status).toBe(400);
    const fields = res.body.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['extra', 'chunks.0.embedding']));
  });

  it('applies on_duplicate: error answers 409 naming the duplicates; overwrite replaces and re-syncs', async () => {
    const doc = uniqueDocument('dup');
    const chunks = bookChunks(3, DIM, { seed: 7 });
    expect((await ingest(ingestBody(doc, chunks))).status).toBe(201);

    const conflict = await ingest(ingestBody(doc, chunks, { on_duplicate: 'error' }));
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('DUPLICATE');
    expect(conflict.body.details.duplicates).toHaveLength(3);

    const moved = chunks.map((c) => ({ ...c, section_title: 'Appendix', page_reference: 99 }));
    const overwrite = await ingest(ingestBody(doc, moved, { on_duplicate: 'overwrite' }));
    expect(overwrite.status).toBe(201);
    expect(overwrite.body).toMatchObject({ created: 0, updated: 3, skipped: 0 });
    const rows = (
      await pg.query(
        `SELECT section_title, page_reference, sync_status FROM chunks WHERE document_reference = $1`,
        [doc],
      )
    ).rows;
    expect(rows).toEqual(
      Array(3).fill({ section_title: 'Appendix', page_reference: 99, sync_status: 'synced' }),
    );
    expect((await consistency()).drift.stale_payload.count).toBe(0);
  });

  it('refuses a batch from another embedding model with 409 naming both', async () => {
    const doc = uniqueDocument('model');
    expect((await ingest(ingestBody(uniqueDocument('bound'), bookChunks(1, DIM, { seed: 19 })))).status).toBe(
      201,
    );
    const res = await ingest({ ...ingestBody(doc, bookChunks(1, DIM)), embedding_model: 'other-model' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('EMBEDDING_MODEL_MISMATCH');
    expect(res.body.message).toContain('test-embedding-64');
    expect(res.body.message).toContain('other-model');
    expect(await liveRows(doc)).toBe(0);
  });

  it('leaves exactly one row and one point per chunk when identical requests race', async () => {
    const doc = uniqueDocument('race');
    const body = ingestBody(doc, bookChunks(50, DIM, { seed: 11 }));
    const results = await Promise.all([ingest(body), ingest(body), ingest(body)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201]);
    expect(results.map((r) => r.body.created).sort()).toEqual([0, 0, 50]);
    expect(await liveRows(doc)).toBe(50);
    const report = await consistency();
    expect(report.consistent).toBe(true);
    expect(report.vector_store.points).toBe(report.postgres.live);
  });

  it('soft-deletes a whole document (points removed), then hard-deletes it', async () => {
    const doc = uniqueDocument('del');
    expect((await ingest(ingestBody(doc, bookChunks(4, DIM, { seed: 13 })))).status).toBe(201);
    const soft = await postJson(
      `${t.baseUrl}/v1/documents/chunks?document_reference=${encodeURIComponent(doc)}`,
      undefined,
      'DELETE',
    );
    expect(soft.status).toBe(200);
    expect(soft.body).toEqual({ document_reference: doc, hard: false, deleted: 4, synced: true });
    expect(await liveRows(doc)).toBe(0);
    expect(await consistency()).toMatchObject({ consistent: true });

    const hard = await postJson(
      `${t.baseUrl}/v1/documents/chunks?document_reference=${encodeURIComponent(doc)}&hard=true`,
      undefined,
      'DELETE',
    );
    expect(hard.body).toMatchObject({ hard: true, deleted: 4 });
    expect(
      Number(
        (await pg.query(`SELECT count(*) FROM chunks WHERE document_reference = $1`, [doc])).rows[0].count,
      ),
    ).toBe(0);
    const missing = await postJson(
      `${t.baseUrl}/v1/documents/chunks?document_reference=${encodeURIComponent(doc)}`,
      undefined,
      'DELETE',
    );
    expect(missing.status).toBe(404);
  });

  it('records one audit row per ingest, in the same transaction', async () => {
    const doc = uniqueDocument('audit');
    await ingest(ingestBody(doc, bookChunks(2, DIM, { seed: 17 })));
    const rows = (
      await pg.query(
        `SELECT operation_type, details FROM audit_logs WHERE resource_type = 'document' AND resource_id = $1`,
        [doc],
      )
    ).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      operation_type: 'ingest',
      details: { created: 2, embedding_model: 'test-embedding-64' },
    });
  });
});
