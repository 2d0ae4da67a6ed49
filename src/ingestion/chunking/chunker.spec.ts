import { chunkDocument } from './chunker';
import type { Block, ParsedDocument } from './document-blocks';
import { parseMarkdown } from './markdown-parser';
import { countTokens } from './token-counter';

const doc = (...blocks: Partial<Block>[]): ParsedDocument => ({
  title: null,
  metadata: {},
  blocks: blocks.map((b) => ({ kind: 'paragraph', text: '', headings: [], page: null, ...b })),
});
const sentence = (i: number) => `Sentence number ${i} tells of the lantern gallery and its brass rail.`;
const prose = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => sentence(from + i)).join(' ');

describe('chunkDocument', () => {
  it('counts tokens offline with the bundled cl100k_base ranks', () => {
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('')).toBe(0);
  });

  it('packs sentences up to the target, cuts only between sentences and overlaps the next chunk', () => {
    const chunks = chunkDocument(doc({ text: prose(0, 60) }), { targetTokens: 100, overlapTokens: 20 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.token_count).toBeLessThanOrEqual(100);
      expect(countTokens(chunk.chunk_text)).toBeLessThanOrEqual(105);
      expect(chunk.chunk_text).toMatch(/^Sentence number \d+ .*brass rail\.$/);
    }
    // Every sentence is somewhere, and each chunk after the first repeats the last sentence before it.
    for (let i = 0; i < 60; i++) expect(chunks.some((c) => c.chunk_text.includes(sentence(i)))).toBe(true);
    for (let i = 1; i < chunks.length; i++) {
      const previousLast = chunks[i - 1].chunk_text.split(/(?<=\.) /).at(-1)!;
      expect(chunks[i].chunk_text.startsWith(previousLast)).toBe(true);
    }
    expect(chunks.map((c) => c.chunk_index)).toEqual(chunks.map((_, i) => i));
  });

  it('has no overlap when it is set to zero', () => {
    const chunks = chunkDocument(doc({ text: prose(0, 30) }), { targetTokens: 100, overlapTokens: 0 });
    const all = chunks.map((c) => c.chunk_text).join(' ');
    expect(all).toBe(prose(0, 30));
  });

  it('never lets a chunk span two sections or two pages', () => {
    const chunks = chunkDocument(
      doc(
        { text: 'Alpha one.', headings: ['Ch 1'] },
        { text: 'Alpha two.', headings: ['Ch 1'] },
        { text: 'Beta.', headings: ['Ch 1', 'Part B'] },
        { text: 'Gamma.', headings: ['Ch 1', 'Part B'], page: 3 },
      ),
      { targetTokens: 400, overlapTokens: 60 },
    );
    expect(chunks.map((c) => [c.section_title, c.page_reference, c.chunk_text])).toEqual([
      ['Ch 1', null, 'Alpha one.\n\nAlpha two.'],
      ['Ch 1 › Part B', null, 'Beta.'],
      ['Ch 1 › Part B', 3, 'Gamma.'],
    ]);
  });

  it('keeps a table whole in a chunk of its own when it fits, rather than splitting it', () => {
    const table = Array.from({ length: 8 }, (_, i) => `| part ${i} | ${i * 3} |`).join('\n');
    const chunks = chunkDocument(doc({ text: prose(0, 4) }, { kind: 'table', text: table }), {
      targetTokens: countTokens(table) + 10,
      overlapTokens: 20,
    });
    expect(chunks.filter((c) => c.chunk_text.includes('| part')).map((c) => c.chunk_text)).toEqual([table]);
  });

  it('cuts an oversized code block between lines and an endless sentence between words', () => {
    const code = Array.from({ length: 40 }, (_, i) => `const value${i} = compute(${i});`).join('\n');
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const chunks = chunkDocument(doc({ kind: 'code', text: code }, { text: words }), {
      targetTokens: 80,
      overlapTokens: 10,
    });
    const codeChunks = chunks.filter((c) => c.chunk_text.includes('const'));
    expect(codeChunks.length).toBeGreaterThan(1);
    expect(codeChunks.map((c) => c.chunk_text).join('\n')).toBe(code);
    const wordChunks = chunks.filter((c) => c.chunk_text.startsWith('word'));
    expect(wordChunks.length).toBeGreaterThan(1);
    for (const c of wordChunks) expect(c.chunk_text).toMatch(/^(word\d+ )*word\d+$/);
    expect(chunks.every((c) => c.token_count <= 80)).toBe(true);
  });

  it('chunks a Markdown chapter with its heading path as section_title', () => {
    const chunks = chunkDocument(
      parseMarkdown(`# Chapter 3\n\n## Sensors\n\n${prose(0, 40)}\n\n## Motors\n\nMotors turn.`),
      { targetTokens: 400, overlapTokens: 60 },
    );
    expect(chunks.map((c) => c.section_title)).toEqual([
      'Chapter 3 › Sensors',
      'Chapter 3 › Sensors',
      'Chapter 3 › Motors',
    ]);
  });
});
