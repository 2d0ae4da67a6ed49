/**
 * What every parser produces: the document's own title and metadata, and its content as a flat
 * sequence of blocks, each placed under a heading path and on a page. The chunker packs blocks;
 * it never sees Markdown, HTML or PDF.
 */
export type BlockKind = 'paragraph' | 'code' | 'table' | 'list';

export interface Block {
  kind: BlockKind;
  /** Prose for paragraphs; one line per line, row or item for code, tables and lists. */
  text: string;
  /** Headings above the block, outermost first. */
  headings: readonly string[];
  page: number | null;
}

export interface ParsedDocument {
  title: string | null;
  /** Front matter and similar document-level fields (title excluded). */
  metadata: Record<string, unknown>;
  blocks: Block[];
}

/**
 * An explicit page marker: `<!-- page: 12 -->` (Markdown, HTML, text) or `{/* page: 12 *\/}` (MDX),
 * alone on its line. The loader CLI writes these between PDF pages; authors can too.
 */
const PAGE_MARKER = /^\s*(?:<!--|\{\s*\/\*)\s*page\s*[:=]?\s*(\d{1,7})\s*(?:-->|\*\/\s*\})\s*$/i;

/** The page a marker (a whole line, or a comment's inner text) starts, else undefined. */
export function pageMarker(line: string): number | undefined {
  const match = PAGE_MARKER.exec(line) ?? PAGE_MARKER.exec(`<!--${line}-->`) ?? PAGE_MARKER.exec(`{${line}}`);
  return match ? Number(match[1]) : undefined;
}

/** The marker the CLI and authors write before page `page`. */
export const pageMarkerLine = (page: number): string => `<!-- page: ${page} -->`;

/** `section_title`: the heading path, e.g. "Chapter 3 › Sensors". */
export const SECTION_SEPARATOR = ' › ';
export const sectionTitle = (headings: readonly string[]): string | null =>
  headings.length === 0 ? null : headings.join(SECTION_SEPARATOR);

/** Whitespace runs folded to one space: how prose from any source is stored. */
export const collapseWhitespace = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * The heading path a new heading of `depth` (1–6) produces: it replaces the heading at its
 * depth and drops the deeper ones. Skipped levels (h1 → h3) are not invented.
 */
export class HeadingTrail {
  private readonly trail: { depth: number; text: string }[] = [];

  enter(depth: number, text: string): void {
    while (this.trail.length > 0 && this.trail[this.trail.length - 1].depth >= depth) this.trail.pop();
    if (text !== '') this.trail.push({ depth, text });
  }

  get headings(): readonly string[] {
    return this.trail.map((h) => h.text);
  }
}

/** Content the parser for its format cannot read (bad front matter, invalid MDX). */
export class DocumentContentError extends Error {
  override readonly name = 'DocumentContentError';
}
