/**
 * The text leg's term statistics, as PostgreSQL's ANALYZE sampled them for `chunks.search_vector`
 * (`pg_stats.most_common_elems`: up to 1 000 lexemes with the share of rows holding each).
 */
export interface TermStatistics {
  lexemes: readonly string[];
  /** Share of rows holding each lexeme, in the order of `lexemes` (pg_stats adds three summary values after them, which are ignored). */
  frequencies: readonly number[];
  /** Rows of `chunks`, as last estimated (`pg_class.reltuples`; -1 or 0 when never analysed). */
  rows: number;
}

/**
 * The lexemes that alone would match more rows than the text leg ranks (`matchLimit`). A question
 * that holds one of them and a rarer word would otherwise fill the match limit with the common
 * word's rows, the first the index yields, and rank those, missing the chunks that hold the rare
 * word; they are also most of the index's work for it. So the text leg matches by the question's
 * other words and ranks with all of them (as Lucene's and Elasticsearch's common-terms queries do).
 * Below the limit nothing is common: every match is ranked anyway.
 */
export function commonLexemes(statistics: TermStatistics, matchLimit: number): string[] {
  const { lexemes, frequencies, rows } = statistics;
  if (rows <= matchLimit) return [];
  return lexemes.filter((_, i) => frequencies[i] * rows > matchLimit);
}

/**
 * Whether `word` (lower-cased, as wordsOf reads it) is one of `lexemes`, matched without
 * PostgreSQL's stemmer: the english Snowball stem of a word is the word itself or a prefix of it
 * with at most four letters cut (robots → robot, estimate → estim), a final y sometimes turned to
 * i (policy → polici). Errs towards "common" (robotic → robot): a phrase then grows longer, which
 * only makes it more selective.
 */
export function isCommonWord(lexemes: ReadonlySet<string>, word: string): boolean {
  for (let cut = 0; cut <= MAX_STEM_CUT && word.length - cut >= MIN_STEM_LENGTH; cut++) {
    const stem = word.slice(0, word.length - cut);
    if (lexemes.has(stem) || (stem.endsWith('y') && lexemes.has(`${stem.slice(0, -1)}i`))) return true;
  }
  return false;
}

const MAX_STEM_CUT = 4;
const MIN_STEM_LENGTH = 3;
