import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/app';
import { providerEnv, startEmbeddingServer, type EmbeddingServer } from '../support/embedding-server';
import { postJson, uniqueDocument } from '../support/ingest';

const DIM = 64;

const paragraph = (topic: string, n: number) =>
  Array.from(
    { length: n },
    (_, i) => `The ${topic} entry ${i} records how the keeper tended the ${topic} through the night.`,
  ).join(' ');

const chapter = (sensorsTail: string) => `---
title: The Lighthouse Manual
edition: 2
---
# Chapter 3

## Sensors

${paragraph('fog-horn', 30)}

The lantern gallery is reached by 137 steps. ${sensorsTail}

## Motors

\`\`\`
rotate(lens, 360)
\`\`\`

${paragraph('clockwork', 30)}
`;

describe('PUT /v1/documents/{document_reference}', () => {
  let provider: EmbeddingServer;
  let t: TestApp;
  let pg: Client;

  beforeAll(async () => {
    provider = await startEmbeddingServer(DIM);
    t = await startTestApp({
      env: {
        ...providerEnv(provider, DIM),
        CHUNK_TARGET_TOKENS: '120',
        CHUNK_OVERLAP_TOKENS: '20',
      },
    });
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await t?.close();
    await provider?.close();
  });

  const put = (ref: string, body: unknown) =>
    postJson(`${t.baseUrl}/v1/documents/${encodeURIComponent(ref)}`, body, 'PUT');
  const live = async (doc: string) =>
    (
      await pg.query(
        `SELECT chunk_id, chunk_text, section_title, metadata FROM chunks
          WHERE document_reference = $1 AND deleted_at IS NULL ORDER BY chunk_index`,
        [doc],
      )
    ).rows;

  it('chunks by structure, then re-syncs an edit by embedding only the changed chunks', async () => {
    const doc = `book/${uniqueDocument('chapter-03')}.md`;
    const first = await put(doc, { format: 'markdown', content: chapter('') });
    expect(first.status).toBe(201);
    const before = await live(doc);
    expect(before.length).toBeGreaterThan(4);
    expect(first.body).toMatchObject({ created: before.length, embedded: before.length, deleted: 0 });
    expect(new Set(before.map((r) => r.section_title))).toEqual(
      new Set(['Chapter 3 › Sensors', 'Chapter 3 › Motors']),
    );
    expect(before[0].metadata).toEqual({ edition: 2, title: 'The Lighthouse Manual' });
    expect(before.filter((r) => r.chunk_text.includes('rotate(lens, 360)'))).toHaveLength(1);

    // A question in hybrid mode finds the passage, with its citation.
    const answer = await postJson(`${t.baseUrl}/v1/retrieve`, {
      query: 'How many steps lead to the lantern gallery?',
      mode: 'hybrid',
      top_k: 3,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results[0].chunk_text).toContain('137 steps');
    expect(answer.body.results[0]).toMatchObject({
      document_reference: doc,
      section_title: 'Chapter 3 › Sensors',
    });

    provider.inputs.length = 0;
    const edited = await put(doc, { format: 'markdown', content: chapter('A brass rail runs beside them.') });
    expect(edited.status).toBe(201);
    const after = await live(doc);
    const changed = after.filter((r) => !before.some((b) => b.chunk_text === r.chunk_text));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(3);
    // Only the changed chunks went to the provider; the rest kept their ids.
    expect(provider.inputs.sort()).toEqual(changed.map((r) => r.chunk_text).sort());
    expect(edited.body).toMatchObject({ embedded: changed.length, created: changed.length });
    const unchanged = after.filter((r) => !changed.includes(r));
    for (const row of unchanged) {
      expect(before.find((b) => b.chunk_text === row.chunk_text)!.chunk_id).toBe(row.chunk_id);
    }
    expect(edited.body.deleted).toBe(before.length - unchanged.length);

    // Exactly the new set in PostgreSQL and in the vector store.
    const report = await (await fetch(`${t.baseUrl}/v1/admin/consistency`)).json();
    expect(report).toMatchObject({ consistent: true });

    // Re-sending the same content changes and embeds nothing.
    provider.inputs.length = 0;
    const again = await put(doc, { format: 'markdown', content: chapter('A brass rail runs beside them.') });
    expect(again.body).toMatchObject({ created: 0, deleted: 0, embedded: 0, skipped: after.length });
    expect(provider.inputs).toEqual([]);
  });

  it.each([
    ['an unknown format', { format: 'docx', content: 'x' }, 'format', 'isIn'],
    ['empty content', { format: 'text', content: '  \n ' }, 'content', 'notEmpty'],
    [
      'binary content',
      { format: 'text', content: 'PK\u0003\u0004' + '\uFFFD'.repeat(40) },
      'content',
      'notBinary',
    ],
    ['invalid MDX', { format: 'mdx', content: '<Callout>unclosed' }, 'content', 'parsable'],
    [
      'content with no text',
      { format: 'html', content: '<nav>menu</nav><script>x()</script>' },
      'content',
      'hasText',
    ],
  ])('rejects %s with 400 naming the field, writing nothing', async (_name, body, field, rule) => {
    const doc = uniqueDocument('bad');
    const res = await put(doc, body);
    expect(res.status).toBe(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field, rules: [rule] }));
    expect(await live(doc)).toEqual([]);
  });
});
