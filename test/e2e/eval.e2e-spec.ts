import { join } from 'node:path';
import { Client } from 'pg';
import { answers, loadEvalSet, wordCount, type EvalSet } from '../../bench/eval/eval-set';
import { evaluate, ingestBook } from '../../bench/eval/evaluate';
import { summarise } from '../../bench/eval/metrics';
import { startTestApp, type TestApp } from '../support/app';

/** The words PostgreSQL's english configuration indexes for `text` (what the full-text leg matches on). */
const lexemes = async (pg: Client, text: string): Promise<string[]> =>
  (await pg.query<{ l: string[] }>(`SELECT tsvector_to_array(to_tsvector('english', $1)) AS l`, [text]))
    .rows[0].l;

describe('npm run eval: the labelled set is well-formed', () => {
  const set: EvalSet = loadEvalSet();
  let t: TestApp;
  let pg: Client;
  let chunks: { document_reference: string; section_title: string | null; chunk_text: string }[];

  beforeAll(async () => {
    t = await startTestApp();
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    await ingestBook(set, t.baseUrl);
    chunks = (
      await pg.query(
        `SELECT document_reference, section_title, chunk_text FROM chunks WHERE deleted_at IS NULL ORDER BY 1, chunk_index`,
      )
    ).rows;
  }, 120_000);
  afterAll(async () => {
    await pg?.end();
    await t?.close();
  });

  it('is a book of at least 10 000 words with at least 40 questions, a third of them paraphrased', () => {
    expect(set.book.reduce((total, file) => total + wordCount(file.content), 0)).toBeGreaterThanOrEqual(
      10_000,
    );
    expect(set.questions.length).toBeGreaterThanOrEqual(40);
    const paraphrased = set.questions.filter((q) => q.kind === 'paraphrased').length;
    expect(paraphrased * 3).toBeGreaterThanOrEqual(set.questions.length);
    expect(set.questions.filter((q) => q.kind === 'lexical').length).toBeGreaterThanOrEqual(10);
    expect(new Set(set.questions.map((q) => q.id)).size).toBe(set.questions.length);
  });

  it('labels every question with exactly one chunk of the ingested book', () => {
    expect(chunks.length).toBeGreaterThan(set.book.length);
    const unresolved = set.questions
      .map((q) => ({ id: q.id, matches: chunks.filter((chunk) => answers(q, chunk)).length }))
      .filter(({ matches }) => matches !== 1);
    expect(unresolved).toEqual([]);
  });

  it('paraphrased questions share no indexed word with their passage; lexical ones do', async () => {
    const shared: Record<string, string[]> = {};
    const lexicalWithout: string[] = [];
    for (const q of set.questions) {
      const passage = new Set(await lexemes(pg, q.passage));
      const common = (await lexemes(pg, q.question)).filter((word) => passage.has(word));
      if (q.kind === 'paraphrased' && common.length > 0) shared[q.id] = common;
      if (q.kind === 'lexical' && common.length === 0) lexicalWithout.push(q.id);
    }
    expect(shared).toEqual({});
    expect(lexicalWithout).toEqual([]);
  });
});

describe('npm run eval: the runner on a tiny fixture', () => {
  const fixture = join(__dirname, '..', 'fixtures', 'eval-tiny');
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('ranks each labelled answer over HTTP and scores it per mode and kind', async () => {
    const set = loadEvalSet(join(fixture, 'book'), join(fixture, 'questions.json'));
    expect(await ingestBook(set, t.baseUrl)).toBe(2);
    const outcomes = await evaluate(set, {
      baseUrl: t.baseUrl,
      modes: ['vector', 'hybrid', 'selected_text'],
      topK: 10,
    });
    expect(outcomes.map(({ mode, question_id, rank }) => [mode, question_id, rank])).toEqual([
      ['vector', 'q1', 1],
      ['vector', 'q2', 2],
      ['hybrid', 'q1', 1],
      ['hybrid', 'q2', 2],
      ['selected_text', 'q1', 1],
      ['selected_text', 'q2', 2],
    ]);
    const vector = summarise(outcomes).filter((row) => row.mode === 'vector');
    expect(vector).toEqual([
      { mode: 'vector', kind: 'all', questions: 2, recall_at_1: 0.5, recall_at_5: 1, mrr_at_10: 0.75 },
      { mode: 'vector', kind: 'lexical', questions: 1, recall_at_1: 1, recall_at_5: 1, mrr_at_10: 1 },
      { mode: 'vector', kind: 'paraphrased', questions: 1, recall_at_1: 0, recall_at_5: 1, mrr_at_10: 0.5 },
    ]);
  });
});
