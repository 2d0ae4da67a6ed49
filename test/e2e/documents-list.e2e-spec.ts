import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/app';
import { postJson } from '../support/ingest';
import { QueryCounter } from '../support/query-counter';

const chapter = (title: string, sections: string[]) =>
  `---\ntitle: ${title}\n---\n\n` +
  sections.map((s, i) => `## Part ${i + 1}\n\n${s} The keeper wrote it down in the log.\n`).join('\n');

describe('GET /v1/documents', () => {
  let t: TestApp;
  let pg: Client;
  let counter: QueryCounter;

  beforeAll(async () => {
    t = await startTestApp();
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    counter = QueryCounter.install(t.app);
  });
  afterAll(async () => {
    counter?.uninstall();
    await pg?.end();
    await t?.close();
  });

  const put = (ref: string, body: unknown) =>
    postJson(`${t.baseUrl}/v1/documents/${encodeURIComponent(ref)}`, body, 'PUT');
  const list = (query = '') => fetch(`${t.baseUrl}/v1/documents${query}`);

  it('lists each document once, by reference, with live chunk counts by sync state, in one statement per page', async () => {
    const b = chapter('The Fog Signal', [
      'The siren moaned.',
      'The engines ran on paraffin.',
      'Gardner diesels came in 1928.',
    ]);
    expect((await put('b/fog.md', { format: 'markdown', content: b })).status).toBe(201);
    expect(
      (await put('a.txt', { format: 'text', content: 'A single paragraph about the pony Dobbin.' })).status,
    ).toBe(201);
    expect(
      (await put('c.md', { format: 'markdown', content: chapter('The Lens', ['Mercury.', 'Clockwork.']) }))
        .status,
    ).toBe(201);
    // One chunk of b/fog.md the relay gave up on, one waiting for it; one of c.md deleted.
    await pg.query(
      `UPDATE chunks SET sync_status = CASE chunk_index WHEN 0 THEN 'failed' ELSE 'pending' END
        WHERE document_reference = 'b/fog.md' AND chunk_index IN (0, 1)`,
    );
    const [deleted] = (
      await pg.query(`SELECT chunk_id FROM chunks WHERE document_reference = 'c.md' AND chunk_index = 1`)
    ).rows;
    expect((await postJson(`${t.baseUrl}/v1/chunks/${deleted.chunk_id}`, undefined, 'DELETE')).status).toBe(
      204,
    );
    const texts = (
      await pg.query<{ document_reference: string; characters: number; updated: Date }>(
        `SELECT document_reference, sum(char_length(chunk_text))::int AS characters, max(updated_at) AS updated
           FROM chunks WHERE deleted_at IS NULL GROUP BY 1`,
      )
    ).rows;
    const of = (ref: string) => texts.find((r) => r.document_reference === ref)!;

    const first = await list('?limit=2');
    expect(first.status).toBe(200);
    const firstPage = await first.json();
    expect(counter.statementsFor(first.headers.get('x-request-id')!)).toHaveLength(1);
    expect(firstPage.items).toEqual([
      {
        document_reference: 'a.txt',
        title: null,
        chunks: 1,
        synced_chunks: 1,
        pending_chunks: 0,
        failed_chunks: 0,
        characters: of('a.txt').characters,
        last_updated_at: of('a.txt').updated.toISOString(),
      },
      {
        document_reference: 'b/fog.md',
        title: 'The Fog Signal',
        chunks: 3,
        synced_chunks: 1,
        pending_chunks: 1,
        failed_chunks: 1,
        characters: of('b/fog.md').characters,
        last_updated_at: of('b/fog.md').updated.toISOString(),
      },
    ]);
    expect(firstPage.next_cursor).toEqual(expect.any(String));

    const second = await (await list(`?limit=2&cursor=${firstPage.next_cursor}`)).json();
    expect(second).toEqual({
      items: [
        expect.objectContaining({
          document_reference: 'c.md',
          title: 'The Lens',
          chunks: 1,
          synced_chunks: 1,
        }),
      ],
      next_cursor: null,
    });
  });

  it('pages through references of any length without repeating or skipping one', async () => {
    const long = `long/${'ü'.repeat(490)}`;
    // Longer than a path parameter may be: loaded through the batch ingest.
    const loaded = await postJson(`${t.baseUrl}/v1/ingest`, {
      document_reference: long,
      chunks: [{ chunk_text: 'A long name.' }],
    });
    expect(loaded.status).toBe(201);
    const seen: string[] = [];
    for (let cursor: string | null = null, pages = 0; pages < 10; pages++) {
      const res: Response = await list(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        items: { document_reference: string }[];
        next_cursor: string | null;
      };
      seen.push(...page.items.map((i) => i.document_reference));
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(['a.txt', 'b/fog.md', 'c.md', long]);
  });

  it('refuses a cursor it did not issue, naming the field', async () => {
    const res = await list('?cursor=bm90LWEtY3Vyc29y');
    expect(res.status).toBe(400);
    expect((await res.json()).details[0]).toMatchObject({ field: 'cursor', rules: ['isCursor'] });
  });
});
