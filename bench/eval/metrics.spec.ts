import {
  compareHybridWithVector,
  firstRelevantRank,
  mrrAt,
  recallAt,
  renderScoreTable,
  scoreRanks,
  summarise,
  type Outcome,
} from './metrics';

describe('eval metrics', () => {
  it('finds the first relevant rank, 1-based, or null', () => {
    expect(firstRelevantRank([false, false, true, true])).toBe(3);
    expect(firstRelevantRank([true])).toBe(1);
    expect(firstRelevantRank([false, false])).toBeNull();
    expect(firstRelevantRank([])).toBeNull();
  });

  it('recall@k counts questions answered within k; MRR@k averages 1/rank, 0 past k or unanswered', () => {
    const ranks = [1, 2, 5, 6, 11, null];
    expect(recallAt(ranks, 1)).toBeCloseTo(1 / 6);
    expect(recallAt(ranks, 5)).toBeCloseTo(3 / 6);
    expect(mrrAt(ranks, 10)).toBeCloseTo((1 + 1 / 2 + 1 / 5 + 1 / 6) / 6);
    expect(scoreRanks([])).toEqual({ questions: 0, recall_at_1: 0, recall_at_5: 0, mrr_at_10: 0 });
  });

  const outcomes: Outcome[] = [
    { mode: 'vector', kind: 'lexical', question_id: 'a', rank: 2 },
    { mode: 'vector', kind: 'paraphrased', question_id: 'b', rank: null },
    { mode: 'hybrid', kind: 'lexical', question_id: 'a', rank: 1 },
    { mode: 'hybrid', kind: 'paraphrased', question_id: 'b', rank: 4 },
  ];

  it('summarises per mode, overall and per question kind', () => {
    expect(summarise(outcomes)).toEqual([
      { mode: 'vector', kind: 'all', questions: 2, recall_at_1: 0, recall_at_5: 0.5, mrr_at_10: 0.25 },
      { mode: 'vector', kind: 'lexical', questions: 1, recall_at_1: 0, recall_at_5: 1, mrr_at_10: 0.5 },
      { mode: 'vector', kind: 'paraphrased', questions: 1, recall_at_1: 0, recall_at_5: 0, mrr_at_10: 0 },
      { mode: 'hybrid', kind: 'all', questions: 2, recall_at_1: 0.5, recall_at_5: 1, mrr_at_10: 0.625 },
      { mode: 'hybrid', kind: 'lexical', questions: 1, recall_at_1: 1, recall_at_5: 1, mrr_at_10: 1 },
      { mode: 'hybrid', kind: 'paraphrased', questions: 1, recall_at_1: 0, recall_at_5: 1, mrr_at_10: 0.25 },
    ]);
  });

  it('compares hybrid with vector for --strict, and says nothing when a mode is missing', () => {
    expect(compareHybridWithVector(summarise(outcomes))).toEqual({
      hybrid_at_least_vector: true,
      hybrid_better_on_lexical: true,
    });
    const swapped = outcomes.map((o) => ({ ...o, mode: o.mode === 'vector' ? 'hybrid' : 'vector' }));
    expect(compareHybridWithVector(summarise(swapped))).toEqual({
      hybrid_at_least_vector: false,
      hybrid_better_on_lexical: false,
    });
    expect(compareHybridWithVector(summarise(outcomes.filter((o) => o.mode === 'vector')))).toBeNull();
  });

  it('renders a Markdown table with fixed decimals', () => {
    const table = renderScoreTable(summarise(outcomes).slice(0, 1)).split('\n');
    expect(table[0]).toMatch(/^\| mode +\| questions \| n +\| recall@1 \| recall@5 \| MRR@10 \|$/);
    expect(table[2]).toBe('| vector | all       | 2 | 0.00     | 0.50     | 0.250  |');
  });
});
