import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/app';
import { providerEnv, startEmbeddingServer, type EmbeddingServer } from '../support/embedding-server';
import { postJson, uniqueDocument, unitVector } from '../support/ingest';

const DIM = 64;

describe('server-side embedding at ingest (OpenAI-compatible provider on loopback)', () => {
  let provider: EmbeddingServer;
  let t: TestApp;
  let pg: Client;

  beforeAll(async () => {
    provider = await startEmbeddingServer(DIM);
    t = await startTestApp({
      env: {
        ...providerEnv(provider, DIM),
        EMBEDDING_BATCH_SIZE: '2',
        EMBEDDING_TIMEOUT_MS: '400',
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
  beforeEach(() => {
    provider.inputs.length = 0;
    provider.requests = 0;
    provider.failWith = undefined;
    provider.retryAfter = undefined;
    provider.stall = false;
  });

  const ingest = (body: unknown) => postJson(`${t.baseUrl}/v1/ingest`, body);
  const liveRows = async (doc: string) =>
    (
      await pg.query(
        `SELECT chunk_text, embedding_model FROM chunks WHERE document_reference = $1 AND deleted_at IS NULL ORDER BY chunk_index`,
        [doc],
      )
    ).rows;
  const texts = [
    'The lamp was lit at dusk.',
    'The keeper wound the clockwork.',
    'Fog rolled in from the sea.',
  ];

  it('embeds chunks sent without vectors in provider-sized batches, and never re-embeds unchanged text', async () => {
    const doc = uniqueDocument('server-embed');
    const first = await ingest({
      document_reference: doc,
      chunks: texts.map((chunk_text) => ({ chunk_text })),
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ created: 3, embedded: 3, embedding_model: provider.model });
    expect(provider.inputs).toEqual(texts);
    expect(provider.requests).toBe(2);
    expect(await liveRows(doc)).toEqual(
      texts.map((chunk_text) => ({ chunk_text, embedding_model: provider.model })),
    );

    // The text query is embedded by the same provider and finds the chunk.
    const found = await postJson(`${t.baseUrl}/v1/retrieve`, { query: 'keeper clockwork', top_k: 1 });
    expect(found.body.results[0].chunk_text).toBe(texts[1]);

    provider.inputs.length = 0;
    const edited = [texts[0], 'The keeper oiled the clockwork.', texts[2]];
    const second = await ingest({
      document_reference: doc,
      cleanup: 'full',
      chunks: edited.map((chunk_text) => ({ chunk_text })),
    });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ created: 1, skipped: 2, deleted: 1, embedded: 1 });
    expect(provider.inputs).toEqual(['The keeper oiled the clockwork.']);
  });

  it('reuses an embedding another document already stores for the same text and model: no provider call', async () => {
    const [original, copy] = [uniqueDocument('original'), uniqueDocument('copy')];
    const shared = ['A paragraph quoted in two chapters.', 'The same boilerplate footer on every page.'];
    expect(
      (await ingest({ document_reference: original, chunks: shared.map((chunk_text) => ({ chunk_text })) }))
        .status,
    ).toBe(201);
    provider.inputs.length = 0;
    provider.requests = 0;

    const res = await ingest({
      document_reference: copy,
      chunks: [...shared, 'Only the copy has this line.'].map((chunk_text) => ({ chunk_text })),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created: 3, embedded: 1 });
    expect(provider.inputs).toEqual(['Only the copy has this line.']);
    const { rows } = await pg.query(
      `SELECT o.embedding = c.embedding AS same FROM chunks o JOIN chunks c USING (content_hash)
        WHERE o.document_reference = $1 AND c.document_reference = $2`,
      [original, copy],
    );
    expect(rows).toEqual([{ same: true }, { same: true }]);

    // Searchable in its own right: the copy's chunk is a point of its own.
    const found = await postJson(`${t.baseUrl}/v1/retrieve`, {
      query: 'boilerplate footer',
      top_k: 1,
      filter: { document_reference: copy },
    });
    expect(found.body.results[0]).toMatchObject({ document_reference: copy, chunk_text: shared[1] });
  });

  it('rejects a batch naming another model that also leaves vectors out, with 400 naming embedding_model', async () => {
    const doc = uniqueDocument('mixed');
    const res = await ingest({
      document_reference: doc,
      embedding_model: 'client-model',
      chunks: [{ chunk_text: 'with a vector', embedding: unitVector(DIM, 1) }, { chunk_text: 'without one' }],
    });
    expect(res.status).toBe(400);
    expect(res.body.details[0]).toMatchObject({ field: 'embedding_model', rules: ['providerModel'] });
    expect(provider.requests).toBe(0);
    expect(await liveRows(doc)).toEqual([]);
  });

  type Fault = Pick<EmbeddingServer, 'failWith' | 'retryAfter' | 'stall'>;
  it.each<[string, number, Partial<Fault>, string, string | null, string]>([
    [
      'a 5xx after the retries',
      502,
      { failWith: 500 },
      'EMBEDDING_UNAVAILABLE',
      '5',
      'The embedding provider failed (HTTP 500)',
    ],
    [
      'a 429 naming its wait',
      502,
      { failWith: 429, retryAfter: '9' },
      'EMBEDDING_UNAVAILABLE',
      '9',
      'The embedding provider failed (HTTP 429)',
    ],
    [
      'a refusal',
      502,
      { failWith: 401 },
      'EMBEDDING_REJECTED',
      null,
      'The embedding provider failed (HTTP 401)',
    ],
    [
      'no answer in time',
      504,
      { stall: true },
      'EMBEDDING_TIMEOUT',
      '5',
      'The embedding provider did not answer in time',
    ],
  ])(
    'answers %s with %i and our own code, at ingest and at query, and writes nothing',
    async (_case, status, fault, code, retryAfter, message) => {
      Object.assign(provider, fault);
      const doc = uniqueDocument('provider-fault');
      const attempts = [
        await ingest({ document_reference: doc, chunks: [{ chunk_text: 'never stored' }] }),
        await postJson(
          `${t.baseUrl}/v1/documents/${doc}`,
          { format: 'text', content: 'Never stored either.' },
          'PUT',
        ),
        await postJson(`${t.baseUrl}/v1/retrieve`, { query: `never asked ${doc}`, top_k: 1 }),
      ];
      for (const res of attempts) {
        expect([res.status, res.body.code, res.body.message, res.headers.get('retry-after')]).toEqual([
          status,
          code,
          message,
          retryAfter,
        ]);
        // Nothing the provider said reaches the client.
        expect(JSON.stringify(res.body)).not.toContain('down');
      }
      expect(await liveRows(doc)).toEqual([]);
    },
  );
});
