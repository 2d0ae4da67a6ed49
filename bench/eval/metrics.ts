/**
 * Retrieval-quality metrics over labelled questions, as pure functions. A question's outcome is
 * the 1-based rank of the first result that answers it (null when none of the results does).
 */

export const QUESTION_KINDS = ['lexical', 'paraphrased'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export interface Outcome {
  mode: string;
  kind: QuestionKind;
  question_id: string;
  /** 1-based rank of the first relevant result; null when no result was relevant. */
  rank: number | null;
}

export interface Scores {
  questions: number;
  /** Share of questions answered by the first result. */
  recall_at_1: number;
  /** Share of questions answered within the first five results. */
  recall_at_5: number;
  /** Mean of 1/rank over the questions, counting 0 beyond rank 10 (or no answer). */
  mrr_at_10: number;
}

export interface ScoreRow extends Scores {
  mode: string;
  /** A question kind, or `all`. */
  kind: QuestionKind | 'all';
}

/** The 1-based position of the first `true`, or null. */
export function firstRelevantRank(relevant: readonly boolean[]): number | null {
  const index = relevant.indexOf(true);
  return index === -1 ? null : index + 1;
}

export function recallAt(ranks: readonly (number | null)[], k: number): number {
  if (ranks.length === 0) return 0;
  return ranks.filter((rank) => rank !== null && rank <= k).length / ranks.length;
}

export function mrrAt(ranks: readonly (number | null)[], k: number): number {
  if (ranks.length === 0) return 0;
  const sum = ranks.reduce<number>((total, rank) => total + (rank !== null && rank <= k ? 1 / rank : 0), 0);
  return sum / ranks.length;
}

export function scoreRanks(ranks: readonly (number | null)[]): Scores {
  return {
    questions: ranks.length,
    recall_at_1: recallAt(ranks, 1),
    recall_at_5: recallAt(ranks, 5),
    mrr_at_10: mrrAt(ranks, 10),
  };
}

/** One row per mode (in first-seen order) for all questions, then one per kind present. */
export function summarise(outcomes: readonly Outcome[]): ScoreRow[] {
  const modes = [...new Set(outcomes.map((o) => o.mode))];
  return modes.flatMap((mode) => {
    const ofMode = outcomes.filter((o) => o.mode === mode);
    const kinds = QUESTION_KINDS.filter((kind) => ofMode.some((o) => o.kind === kind));
    return [
      { mode, kind: 'all' as const, ...scoreRanks(ofMode.map((o) => o.rank)) },
      ...kinds.map((kind) => ({
        mode,
        kind,
        ...scoreRanks(ofMode.filter((o) => o.kind === kind).map((o) => o.rank)),
      })),
    ];
  });
}

export interface ModeComparison {
  /** Hybrid scores at least as well as vector over all questions (recall@5 and MRR@10). */
  hybrid_at_least_vector: boolean;
  /** Hybrid's MRR@10 on the lexical questions is above vector's. */
  hybrid_better_on_lexical: boolean;
}

/** The check behind `--strict`: null when either mode was not run. */
export function compareHybridWithVector(rows: readonly ScoreRow[]): ModeComparison | null {
  const row = (mode: string, kind: ScoreRow['kind']) => rows.find((r) => r.mode === mode && r.kind === kind);
  const [hybrid, vector] = [row('hybrid', 'all'), row('vector', 'all')];
  if (!hybrid || !vector) return null;
  const [hybridLexical, vectorLexical] = [row('hybrid', 'lexical'), row('vector', 'lexical')];
  return {
    hybrid_at_least_vector: hybrid.recall_at_5 >= vector.recall_at_5 && hybrid.mrr_at_10 >= vector.mrr_at_10,
    hybrid_better_on_lexical:
      hybridLexical !== undefined &&
      vectorLexical !== undefined &&
      hybridLexical.mrr_at_10 > vectorLexical.mrr_at_10,
  };
}

/** The rows as a Markdown table (what `npm run eval` prints and the README quotes). */
export function renderScoreTable(rows: readonly ScoreRow[]): string {
  const header = ['mode', 'questions', 'n', 'recall@1', 'recall@5', 'MRR@10'];
  const body = rows.map((r) => [
    r.mode,
    r.kind,
    String(r.questions),
    r.recall_at_1.toFixed(2),
    r.recall_at_5.toFixed(2),
    r.mrr_at_10.toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
