import { textQuery } from './text-query';

describe('textQuery', () => {
  it('turns a question into OR over its distinct words', () => {
    expect(textQuery('How many steps were there to the lantern gallery? Steps!', 16)).toBe(
      'how OR many OR steps OR were OR there OR to OR the OR lantern OR gallery',
    );
  });

  it('keeps websearch syntax as written when the user uses quotes, OR or -', () => {
    expect(textQuery('"lantern gallery" steps', 16)).toBe('"lantern gallery" steps');
    expect(textQuery('lantern OR lamp', 16)).toBe('lantern OR lamp');
    expect(textQuery('lantern -gallery', 16)).toBe('lantern -gallery');
    // A hyphenated word is not an exclusion, and a lowercase "or" is just a word.
    expect(textQuery('well-known red or blue', 16)).toBe('well OR known OR red OR blue');
  });

  it('caps the number of terms', () => {
    const words = Array.from({ length: 50 }, (_, i) => `w${i}`);
    expect(textQuery(words.join(' '), 5)).toBe('w0 OR w1 OR w2 OR w3 OR w4');
    expect(textQuery(`"a b" ${words.join(' ')}`, 3)).toBe('"a b" w0');
  });

  it('gives an empty query for text without words (PostgreSQL then matches nothing)', () => {
    expect(textQuery('?! …', 16)).toBe('');
  });
});
