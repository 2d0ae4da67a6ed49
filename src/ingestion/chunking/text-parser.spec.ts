import { parseText } from './text-parser';

describe('parseText', () => {
  it('splits paragraphs on blank lines, reflows lines and follows page markers', () => {
    const doc = parseText('First line\nsame paragraph.\n\n\nSecond.\r\n<!-- page: 2 -->\nOn page two.\n');
    expect(doc.blocks.map((b) => [b.page, b.text])).toEqual([
      [null, 'First line same paragraph.'],
      [null, 'Second.'],
      [2, 'On page two.'],
    ]);
    expect(doc.title).toBeNull();
  });
});
