import { sectionTitle, type Block, type ParsedDocument } from './document-blocks';
import { countTokens, type TokenCounter } from './token-counter';

export interface ChunkingOptions {
  /** A chunk grows up to this many tokens. */
  targetTokens: number;
  /** Trailing sentences of a chunk repeated at the start of the next one in the same section. */
  overlapTokens: number;
}

export interface DocumentChunk {
  chunk_index: number;
  chunk_text: string;
  section_title: string | null;
  page_reference: number | null;
  token_count: number;
}

/** The smallest piece the chunker moves: a sentence of prose, or a whole (or a line of a) code block, table or list. */
interface Unit {
  text: string;
  tokens: number;
  /** Put before it when it follows another unit in a chunk. */
  joiner: string;
  /** Prose can be repeated as overlap; code, tables and lists are not cut into overlap. */
  prose: boolean;
}

const sentences = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * Packs a parsed document into token-bounded chunks. A chunk never spans two sections or two
 * pages (its `section_title` and `page_reference` are then exact), is cut between sentences (a
 * sentence longer than the target between words), keeps a code block, table or list whole when
 * it fits in one chunk (else cuts it between lines, rows or items), and starts with the last
 * sentences of the chunk before it, up to `overlapTokens`, so an answer straddling a cut is
 * still found whole in one chunk. Token counts add the units' counts (within a few tokens of
 * counting the joined text).
 */
export function chunkDocument(
  document: ParsedDocument,
  options: ChunkingOptions,
  count: TokenCounter = countTokens,
): DocumentChunk[] {
  const chunks: DocumentChunk[] = [];
  for (const group of sections(document.blocks)) {
    const units = group.flatMap((block) => unitsOf(block, options.targetTokens, count));
    for (const packed of pack(units, options)) {
      chunks.push({
        chunk_index: chunks.length,
        chunk_text: packed.map((u, i) => (i === 0 ? u.text : u.joiner + u.text)).join(''),
        section_title: sectionTitle(group[0].headings),
        page_reference: group[0].page,
        token_count: packed.reduce((sum, u) => sum + u.tokens, 0),
      });
    }
  }
  return chunks;
}

/** Runs of consecutive blocks under the same heading path and on the same page. */
function sections(blocks: readonly Block[]): Block[][] {
  const groups: Block[][] = [];
  const key = (b: Block) => `${b.page ?? ''}\u0000${b.headings.join('\u0000')}`;
  for (const block of blocks) {
    const last = groups.at(-1);
    if (last && key(last[0]) === key(block)) last.push(block);
    else groups.push([block]);
  }
  return groups;
}

function unitsOf(block: Block, target: number, count: TokenCounter): Unit[] {
  if (block.kind === 'paragraph') {
    return Array.from(sentences.segment(block.text), (s) => s.segment.trim())
      .filter(Boolean)
      .flatMap((sentence) => bounded(sentence, ' ', true, target, count))
      .map((unit, i) => (i === 0 ? { ...unit, joiner: '\n\n' } : unit));
  }
  const whole = count(block.text);
  if (whole <= target) return [{ text: block.text, tokens: whole, joiner: '\n\n', prose: false }];
  return block.text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => bounded(line, '\n', false, target, count))
    .map((unit, i) => (i === 0 ? { ...unit, joiner: '\n\n' } : unit));
}

/** `text` as one unit, or cut between words into pieces of at most `target` tokens. */
function bounded(text: string, joiner: string, prose: boolean, target: number, count: TokenCounter): Unit[] {
  const tokens = count(text);
  if (tokens <= target) return [{ text, tokens, joiner, prose }];
  const pieces: Unit[] = [];
  let words: string[] = [];
  let sum = 0;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const wordTokens = count(` ${word}`);
    if (words.length > 0 && sum + wordTokens > target) {
      pieces.push({ text: words.join(' '), tokens: sum, joiner: pieces.length === 0 ? joiner : ' ', prose });
      words = [];
      sum = 0;
    }
    words.push(word);
    sum += wordTokens;
  }
  if (words.length > 0) {
    pieces.push({ text: words.join(' '), tokens: sum, joiner: pieces.length === 0 ? joiner : ' ', prose });
  }
  return pieces;
}

function pack(units: readonly Unit[], { targetTokens, overlapTokens }: ChunkingOptions): Unit[][] {
  const packed: Unit[][] = [];
  let current: Unit[] = [];
  let tokens = 0;
  for (const unit of units) {
    if (current.length > 0 && tokens + unit.tokens > targetTokens) {
      packed.push(current);
      current = overlapOf(current, overlapTokens);
      tokens = current.reduce((sum, u) => sum + u.tokens, 0);
      if (tokens + unit.tokens > targetTokens) {
        current = [];
        tokens = 0;
      }
    }
    current.push(unit);
    tokens += unit.tokens;
  }
  if (current.length > 0) packed.push(current);
  return packed;
}

/** The chunk's trailing prose sentences that fit in `budget` tokens (never the whole chunk). */
function overlapOf(chunk: readonly Unit[], budget: number): Unit[] {
  const tail: Unit[] = [];
  let sum = 0;
  for (let i = chunk.length - 1; i > 0; i--) {
    const unit = chunk[i];
    if (!unit.prose || sum + unit.tokens > budget) break;
    tail.unshift(unit);
    sum += unit.tokens;
  }
  return tail;
}
