import { parseMarkdown } from './markdown-parser';
import { DocumentContentError } from './document-blocks';

describe('parseMarkdown', () => {
  it('takes the title and metadata from front matter and the section path from headings', () => {
    const doc = parseMarkdown(
      [
        '---',
        'title: The Lighthouse Keeper',
        'author: A. Writer',
        'tags: [sea, light]',
        '---',
        '# Chapter 3',
        'Intro to the chapter.',
        '## Sensors',
        'A *strain* gauge measures [force](https://example.com).',
        '### Wiring',
        'Red to red.',
        '## Motors',
        'Motors turn.',
      ].join('\n'),
    );
    expect(doc.title).toBe('The Lighthouse Keeper');
    expect(doc.metadata).toEqual({ author: 'A. Writer', tags: ['sea', 'light'] });
    expect(doc.blocks.map((b) => [b.headings.join(' › '), b.text])).toEqual([
      ['Chapter 3', 'Intro to the chapter.'],
      ['Chapter 3 › Sensors', 'A strain gauge measures force.'],
      ['Chapter 3 › Sensors › Wiring', 'Red to red.'],
      ['Chapter 3 › Motors', 'Motors turn.'],
    ]);
  });

  it('falls back to the first h1 for the title', () => {
    expect(parseMarkdown('Preface\n\n# The Book\n\ntext').title).toBe('The Book');
  });

  it('keeps code blocks, tables and lists as single blocks of their own kind', () => {
    const doc = parseMarkdown(
      [
        '```ts',
        'const a = 1;',
        '',
        'const b = 2;',
        '```',
        '',
        '| part | cost |',
        '| --- | --- |',
        '| gear | 3 |',
        '',
        '1. first',
        '   - nested',
        '2. second',
        '- [x] done',
      ].join('\n'),
    );
    expect(doc.blocks.map((b) => [b.kind, b.text])).toEqual([
      ['code', 'const a = 1;\n\nconst b = 2;'],
      ['table', '| part | cost |\n| gear | 3 |'],
      ['list', '1. first\n  - nested\n2. second'],
      ['list', '- [x] done'],
    ]);
  });

  it('reads page markers and drops other raw HTML tags but keeps their text', () => {
    const doc = parseMarkdown('one\n\n<!-- page: 7 -->\n\ntwo <kbd>Ctrl</kbd>\n\n<div>three</div>');
    expect(doc.blocks.map((b) => [b.page, b.text])).toEqual([
      [null, 'one'],
      [7, 'two Ctrl'],
      [7, 'three'],
    ]);
  });

  it('strips MDX imports, exports and expressions but keeps the text inside JSX', () => {
    const doc = parseMarkdown(
      [
        "import { Callout } from '../components/callout';",
        'export const meta = { draft: true };',
        '',
        '# Guide',
        '',
        '<Callout type="warning">',
        '  Never look into the **lamp**.',
        '</Callout>',
        '',
        'The year is {new Date().getFullYear()} and <Badge>new</Badge> things happen.',
        '',
        '{/* page: 4 */}',
        '',
        'On page four.',
      ].join('\n'),
      { mdx: true },
    );
    expect(doc.blocks.map((b) => [b.page, b.headings.join(' › '), b.text])).toEqual([
      [null, 'Guide', 'Never look into the lamp.'],
      [null, 'Guide', 'The year is and new things happen.'],
      [4, 'Guide', 'On page four.'],
    ]);
  });

  it('reports invalid MDX and bad front matter as content errors', () => {
    expect(() => parseMarkdown('<Callout>unclosed', { mdx: true })).toThrow(DocumentContentError);
    expect(() => parseMarkdown('---\ntitle: [unclosed\n---\ntext')).toThrow(/front matter/);
    expect(() => parseMarkdown('---\n- a\n- b\n---\ntext')).toThrow(/YAML mapping/);
  });
});
