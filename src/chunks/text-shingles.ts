/**
 * Selected-text retrieval looks for the chunks that share a run of words with the reader's
 * selection. Every run of SHINGLE_WORDS consecutive words (a shingle) is hashed, and a chunk keeps
 * a winnowed sample of its shingle hashes — the smallest hash of every WINNOW_WINDOW consecutive
 * shingles (Schleimer, Wilkerson and Aiken, "Winnowing", SIGMOD 2003) — in `chunks.fingerprints`
 * (int4[], GIN index), computed here when the row is written. A selection is winnowed the same
 * way: the choice inside a window depends only on that window's hashes, so any passage of at
 * least GUARANTEED_WORDS words shared by a chunk and a selection gives both the same fingerprint.
 *
 * Why a sample: each GIN entry costs PostgreSQL ≈ 4 µs per inserted row, so all ≈ 115 shingles of
 * a 700-character chunk (≈ 450 µs) would cost more than the trigram index this replaces (≈ 225 µs
 * with its generated column); ≈ 18 fingerprints cost ≈ 70 µs. Figures in docs/performance-history.md.
 *
 * The hash and both constants are part of the stored format: changing any of them needs a
 * migration that recomputes every row's fingerprints.
 */

export const SHINGLE_WORDS = 6;
export const WINNOW_WINDOW = 12;
/** The shortest shared passage that is certain to share a fingerprint. */
export const GUARANTEED_WORDS = WINNOW_WINDOW + SHINGLE_WORDS - 1;

/** Letters and digits in any script; everything else separates words. */
const WORD = /[\p{L}\p{N}]+/gu;

/** The text's words, lower-cased and NFC-composed: how both chunks and selections are read. */
export function wordsOf(text: string): string[] {
  return text.normalize('NFC').toLowerCase().match(WORD) ?? [];
}

/** FNV-1a (32-bit) of a run of words joined by single spaces, as a signed int4. */
export function runHash(words: readonly string[]): number {
  let hash = 0x811c9dc5;
  const run = words.join(' ');
  for (let i = 0; i < run.length; i++) {
    hash ^= run.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/**
 * The start positions (in `words`) of the winnowed shingles: in every window of WINNOW_WINDOW
 * consecutive shingles the one with the smallest hash (the rightmost on a tie), each position
 * once. A text with fewer shingles than a window keeps its smallest one.
 */
export function winnowedStarts(words: readonly string[]): number[] {
  const hashes: number[] = [];
  for (let start = 0; start + SHINGLE_WORDS <= words.length; start++) {
    hashes.push(runHash(words.slice(start, start + SHINGLE_WORDS)));
  }
  const starts: number[] = [];
  if (hashes.length === 0) return starts;
  const window = Math.min(WINNOW_WINDOW, hashes.length);
  for (let from = 0; from + window <= hashes.length; from++) {
    let best = from;
    for (let i = from + 1; i < from + window; i++) if (hashes[i] <= hashes[best]) best = i;
    if (starts.at(-1) !== best) starts.push(best);
  }
  return starts;
}

/** A chunk's fingerprints: the distinct hashes of its winnowed shingles. */
export function fingerprints(text: string): number[] {
  const words = wordsOf(text);
  return [
    ...new Set(winnowedStarts(words).map((start) => runHash(words.slice(start, start + SHINGLE_WORDS)))),
  ];
}

/** An int4[] literal: how pg receives one row's fingerprints inside a text[] of rows. */
export function fingerprintsLiteral(text: string): string {
  return `{${fingerprints(text).join(',')}}`;
}
