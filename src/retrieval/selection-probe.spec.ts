import {
  fingerprints,
  GUARANTEED_WORDS,
  runHash,
  SHINGLE_WORDS,
  winnowedStarts,
  wordsOf,
} from '../chunks/text-shingles';
import { MAX_RUNS, selectionProbe } from './selection-probe';

const words = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `word${from + i}`);

describe('selectionProbe', () => {
  it('looks a short selection up as a phrase, without the words it may have cut in half', () => {
    expect(selectionProbe('nsor converts a physical quan')).toEqual({
      hashes: [],
      runs: [],
      phrases: ['converts a physical'],
    });
    expect(selectionProbe('  Kalman\nfilter ').phrases).toEqual(['kalman filter']);
  });

  it('looks up the opening and closing words as phrases, grown until they hold three words that are not stop words', () => {
    const probe = selectionProbe(
      'xx the rover and the dog of a robot climbed up the hill while all of it and the end zz',
    );
    expect(probe.phrases).toEqual([
      'the rover and the dog of a robot',
      'climbed up the hill while all of it and the end',
    ]);
    // Long stop words ("each", "under") narrow nothing: a phrase of them and one common word
    // would match, and be confirmed against, a large share of the book.
    expect(selectionProbe('xx on each a under of obstacle odometry through gain model zz').phrases[0]).toBe(
      'on each a under of obstacle odometry through gain',
    );
  });

  it("grows a phrase of the book's most common words until it holds a rarer one", () => {
    const common = (word: string) => ['robot', 'sensor', 'arm', 'gripper'].includes(word);
    const selection = 'xx the robot sensor arm of the gripper lantern and the robot arm zz';
    expect(selectionProbe(selection).phrases[0]).toBe('the robot sensor arm of the');
    expect(selectionProbe(selection, common).phrases[0]).toBe('the robot sensor arm of the gripper lantern');
    // No rarer word in the selection: the whole of it, which the index narrows by all its words.
    expect(
      selectionProbe('xx robot sensor arm gripper robot sensor arm gripper robot sensor arm zz', common)
        .phrases,
    ).toEqual(['robot sensor arm gripper robot sensor arm gripper robot sensor arm']);
  });

  it('sends the winnowed runs of a long selection, leaving out its first and last word', () => {
    const inner = words(38, 1);
    const probe = selectionProbe(words(40).join(' '));
    const starts = winnowedStarts(inner);
    expect(probe.runs).toEqual(starts.map((start) => inner.slice(start, start + SHINGLE_WORDS).join(' ')));
    expect(probe.hashes).toEqual(starts.map((start) => runHash(inner.slice(start, start + SHINGLE_WORDS))));
    expect(probe.phrases).toEqual([
      inner.slice(0, SHINGLE_WORDS).join(' '),
      inner.slice(-SHINGLE_WORDS).join(' '),
    ]);
  });

  it('never sends more than MAX_RUNS runs', () => {
    expect(selectionProbe(words(5_000).join(' ')).runs).toHaveLength(MAX_RUNS);
  });

  it('gives every chunk sharing GUARANTEED_WORDS words with the selection one of its fingerprints', () => {
    const book = words(3_000);
    for (let offset = 0; offset < 200; offset += 7) {
      // A chunk holding the selection's opening passage, and one lying inside the selection.
      const selection = book.slice(500 + offset, 500 + offset + 400).join(' ');
      const opening = book.slice(400 + offset, 500 + offset + GUARANTEED_WORDS + 1).join(' ');
      const inside = book.slice(700 + offset, 800 + offset).join(' ');
      const { hashes } = selectionProbe(selection);
      for (const chunk of [opening, inside]) {
        const stored = new Set(fingerprints(chunk));
        expect(hashes.some((hash) => stored.has(hash))).toBe(true);
      }
    }
  });
});

describe('fingerprints', () => {
  it('folds case, punctuation and Unicode composition, so retyped text fingerprints alike', () => {
    const text = 'Café au lait, with sugar: one cup! '.repeat(6);
    expect(fingerprints(text)).toEqual(fingerprints(text.toUpperCase().replace(/é/g, 'e\u0301')));
    expect(wordsOf('Café — 3 cups')).toEqual(['café', '3', 'cups']);
  });

  it('keeps a sample of a chunk: a few of its ≈ 115 runs, none for a text shorter than a run', () => {
    expect(fingerprints(words(SHINGLE_WORDS - 1).join(' '))).toEqual([]);
    const sample = fingerprints(words(120).join(' '));
    expect(sample.length).toBeGreaterThan(5);
    expect(sample.length).toBeLessThan(30);
  });

  it('keeps the stored hash stable (changing it needs a migration that recomputes every row)', () => {
    expect(runHash(['a'])).toBe(-468965076); // FNV-1a 32 of "a" = 0xe40c292c
  });
});
