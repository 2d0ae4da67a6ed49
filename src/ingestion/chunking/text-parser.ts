import { collapseWhitespace, pageMarker, type Block, type ParsedDocument } from './document-blocks';

/**
 * Plain text: paragraphs are separated by blank lines; a page marker line starts a page (the
 * loader CLI sends PDF text this way). Lines within a paragraph are reflowed.
 */
export function parseText(content: string): ParsedDocument {
  const blocks: Block[] = [];
  let page: number | null = null;
  let lines: string[] = [];
  const flush = () => {
    const text = collapseWhitespace(lines.join(' '));
    if (text !== '') blocks.push({ kind: 'paragraph', text, headings: [], page });
    lines = [];
  };
  for (const line of content.split(/\r?\n|\r|\f/)) {
    const marker = pageMarker(line);
    if (marker !== undefined) {
      flush();
      page = marker;
    } else if (line.trim() === '') flush();
    else lines.push(line);
  }
  flush();
  return { title: null, metadata: {}, blocks };
}
