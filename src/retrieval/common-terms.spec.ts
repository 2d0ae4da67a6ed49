import { commonLexemes, isCommonWord } from './common-terms';

describe('commonLexemes', () => {
  const statistics = {
    lexemes: ['robot', 'sensor', 'kalman'],
    // pg_stats' three summary values (minimum, maximum, null share) follow the lexemes' own.
    frequencies: [0.9, 0.06, 0.004, 0.004, 0.9, 0],
    rows: 10_000,
  };

  it('names the lexemes whose rows alone outnumber the match limit', () => {
    expect(commonLexemes(statistics, 500)).toEqual(['robot', 'sensor']);
    expect(commonLexemes(statistics, 1_000)).toEqual(['robot']);
    expect(commonLexemes(statistics, 20)).toEqual(['robot', 'sensor', 'kalman']);
  });

  it('finds none while the table has no more rows than the limit, or was never analysed', () => {
    expect(commonLexemes({ ...statistics, rows: 500 }, 500)).toEqual([]);
    expect(commonLexemes({ ...statistics, rows: -1 }, 500)).toEqual([]);
    expect(commonLexemes({ lexemes: [], frequencies: [], rows: 10_000 }, 500)).toEqual([]);
  });
});

describe('isCommonWord', () => {
  const lexemes = new Set(['robot', 'estim', 'polici', 'arm']);

  it('finds a word by its stem as PostgreSQL english stems it', () => {
    for (const word of ['robot', 'robots', 'estimate', 'estimates', 'policy', 'policies', 'arm', 'arms']) {
      expect([word, isCommonWord(lexemes, word)]).toEqual([word, true]);
    }
  });

  it('does not find a word whose stem is not there', () => {
    for (const word of ['sensor', 'rob', 'kalman', 'a', 'es']) {
      expect([word, isCommonWord(lexemes, word)]).toEqual([word, false]);
    }
  });
});
