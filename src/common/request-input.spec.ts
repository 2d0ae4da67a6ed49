import { nestsDeeperThan } from './request-input';

/** The definition: a character at a time, a backslash in a string escaping the next one. */
function referenceDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (++depth > max) return true;
    } else if (c === '}' || c === ']') depth--;
  }
  return false;
}

describe('nestsDeeperThan', () => {
  it('counts objects and arrays, and nothing inside strings', () => {
    expect(nestsDeeperThan('{"a":[1,2,{"b":[3]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[1,2,{"b":[3]}]}', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":"[[[[[[{{{{"}', 1)).toBe(false);
    expect(nestsDeeperThan('[[[[', 3)).toBe(true);
  });

  it('ends a string only at an unescaped quote', () => {
    expect(nestsDeeperThan('{"a":"say \\"[[[\\" now"}', 1)).toBe(false);
    // An even run of backslashes escapes itself: the quote after it closes the string.
    expect(nestsDeeperThan('{"a":"dir\\\\","b":[[[1]]]}', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":"dir\\\\\\"[[[[","b":1}', 1)).toBe(false);
  });

  it('reads an unterminated string as ending the text (the parse then refuses it)', () => {
    expect(nestsDeeperThan('{"a":"[[[[[[', 1)).toBe(false);
  });

  it('agrees with the character-by-character definition on random JSON-like texts', () => {
    let state = 42;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const alphabet = ['{', '}', '[', ']', '"', '\\', 'a', '1', ',', ':', ' '];
    for (let round = 0; round < 5_000; round++) {
      const text = Array.from({ length: next() % 60 }, () => alphabet[next() % alphabet.length]).join('');
      const max = next() % 5;
      expect([text, nestsDeeperThan(text, max)]).toEqual([text, referenceDepthExceeds(text, max)]);
    }
  });
});
