import { GUARANTEED_WORDS, runHash, SHINGLE_WORDS, winnowedStarts, wordsOf } from '../chunks/text-shingles';

/** Fingerprint runs sent for one selection: bounds the statement for very long selections. */
export const MAX_RUNS = 64;
/**
 * An edge phrase grows from SHINGLE_WORDS words up to this many until it holds enough indexed
 * words. A selection as long carries fingerprints, so past it the phrases are only looked up next
 * to a fingerprint match; below it, a phrase that is still unselective grows into the rest of the
 * selection ("of which of sensor a in the that the of" is the phrase 'sensor', a third of a
 * 100 000-chunk book, each confirmed by its text: 2 s), and then finds the chunks holding it all.
 */
const MAX_PHRASE_WORDS = GUARANTEED_WORDS;
/**
 * Words of an edge phrase the full-text index can look up: a phrase of stop words and one common
 * word matches (and confirms, text by text) a large share of the book — 0.6 s on the bench corpus.
 * One of them must be rarer than the book's common words (`isCommon`): the index's candidates for
 * a phrase are the chunks holding all its words, and for three of the words most chunks share
 * that was most of a 100 000-chunk book, rechecked one by one past the 2 s statement limit.
 */
const INDEXED_WORDS_PER_PHRASE = 3;

/**
 * PostgreSQL's `english` stop words (share/tsearch_data/english.stop, the Snowball list): the
 * words phraseto_tsquery drops, so they narrow nothing.
 */
const STOP_WORDS = new Set(
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she ' +
    'her hers herself it its itself they them their theirs themselves what which who whom this that ' +
    'these those am is are was were be been being have has had having do does did doing a an the and ' +
    'but if or because as until while of at by for with about against between into through during ' +
    'before after above below to from up down in out on off over under again further then once here ' +
    'there when where why how all any both each few more most other some such no nor not only own ' +
    'same so than too very s t can will just don should now'
  ).split(' '),
);

/**
 * How the chunks overlapping a selection are found. The first and last words are left out: a
 * reader's selection often starts or ends inside a word.
 * - `hashes`/`runs`: the selection's winnowed shingles (src/chunks/text-shingles.ts); a chunk that
 *   shares at least GUARANTEED_WORDS words with the selection has one of them among its own
 *   fingerprints. Past MAX_RUNS, the first and last quarter are kept and the middle is thinned
 *   evenly (a chunk inside a long selection holds many of its fingerprints).
 * - `phrases`: the selection's opening and closing words (at least SHINGLE_WORDS, grown up to
 *   MAX_PHRASE_WORDS until they hold INDEXED_WORDS_PER_PHRASE words that are not stop words, one
 *   of them not common),
 *   looked up as full-text phrases, for the chunks that share less than that with it (the
 *   selection starts near a chunk's end, or ends near a chunk's start); a short selection is one
 *   phrase.
 * PostgreSQL confirms each candidate by containment of a run or a phrase in its normalised text.
 */
export interface SelectionProbe {
  hashes: number[];
  runs: string[];
  phrases: string[];
}

/** `isCommon`: whether a word is among the book's most common (none are, by default). */
export function selectionProbe(
  selection: string,
  isCommon: (word: string) => boolean = () => false,
): SelectionProbe {
  const words = wordsOf(selection);
  const inner = words.length > 2 ? words.slice(1, -1) : words;
  const opening = edgePhrase(inner, isCommon);
  const closing = edgePhrase([...inner].reverse(), isCommon).reverse();
  const phrases = [...new Set([opening.join(' '), closing.join(' ')])];
  if (inner.length < GUARANTEED_WORDS) return { hashes: [], runs: [], phrases };
  const runs = [
    ...new Set(
      bounded(winnowedStarts(inner)).map((start) => inner.slice(start, start + SHINGLE_WORDS).join(' ')),
    ),
  ];
  return { hashes: runs.map((run) => runHash(run.split(' '))), runs, phrases };
}

function edgePhrase(words: readonly string[], isCommon: (word: string) => boolean): string[] {
  let end = Math.min(SHINGLE_WORDS, words.length);
  const selective = (upTo: number) => {
    const indexed = words.slice(0, upTo).filter((word) => !STOP_WORDS.has(word));
    return indexed.length >= INDEXED_WORDS_PER_PHRASE && indexed.some((word) => !isCommon(word));
  };
  while (end < Math.min(MAX_PHRASE_WORDS, words.length) && !selective(end)) end++;
  return words.slice(0, end);
}

function bounded(starts: number[]): number[] {
  if (starts.length <= MAX_RUNS) return starts;
  const edge = MAX_RUNS / 4;
  const middle = starts.slice(edge, -edge);
  const step = middle.length / (MAX_RUNS - 2 * edge);
  return [
    ...starts.slice(0, edge),
    ...Array.from({ length: MAX_RUNS - 2 * edge }, (_, i) => middle[Math.floor(i * step)]),
    ...starts.slice(-edge),
  ];
}
