import { Parser } from 'htmlparser2';
import {
  collapseWhitespace,
  HeadingTrail,
  pageMarker,
  type Block,
  type BlockKind,
  type ParsedDocument,
} from './document-blocks';

/** Elements whose content is never reading matter: navigation, code and chrome. */
const DROPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'nav',
  'svg',
  'canvas',
  'iframe',
  'object',
  'select',
  'button',
]);
/** Elements that end the paragraph in progress (everything else is inline). */
const BREAKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'aside',
  'header',
  'footer',
  'blockquote',
  'figure',
  'figcaption',
  'dl',
  'dt',
  'dd',
  'address',
  'details',
  'summary',
  'hr',
  'form',
  'fieldset',
  'body',
]);
const HEADING = /^h([1-6])$/;

/**
 * HTML to blocks with htmlparser2's streaming tokenizer: headings give the section path,
 * paragraphs, `pre`, tables and lists become blocks, and navigation, scripts, styles and hidden
 * elements are dropped. `<title>` (else the first `h1`) is the document title.
 */
export function parseHtml(content: string): ParsedDocument {
  const trail = new HeadingTrail();
  const blocks: Block[] = [];
  let page: number | null = null;
  let title: string | null = null;
  let firstH1: string | null = null;

  /** One entry per open element: whether it (or an ancestor) is dropped. */
  const dropped: boolean[] = [];
  let text = '';
  let titleText: string | null = null;
  let heading: { depth: number; text: string } | null = null;
  let pre: string | null = null;
  let table: { rows: string[]; cells: string[] | null; cell: string | null; depth: number } | null = null;
  let list: { lines: string[]; depth: number; item: string | null } | null = null;

  const emit = (kind: BlockKind, value: string) => {
    if (value.trim() !== '') blocks.push({ kind, text: value, headings: trail.headings, page });
  };
  const flushParagraph = () => {
    emit('paragraph', collapseWhitespace(text));
    text = '';
  };
  const flushItem = () => {
    if (list && list.item !== null) {
      const itemText = collapseWhitespace(list.item);
      if (itemText) list.lines.push(`${'  '.repeat(list.depth - 1)}- ${itemText}`);
      list.item = null;
    }
  };

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const hidden =
          DROPPED.has(name) ||
          attributes.role === 'navigation' ||
          attributes['aria-hidden'] === 'true' ||
          'hidden' in attributes;
        dropped.push(hidden || (dropped.at(-1) ?? false));
        if (dropped.at(-1)) return;
        const depth = HEADING.exec(name);
        if (name === 'title') titleText = '';
        else if (depth && !table && !list) {
          flushParagraph();
          heading = { depth: Number(depth[1]), text: '' };
        } else if (name === 'pre' && !table && !list) {
          flushParagraph();
          pre = '';
        } else if (name === 'table') {
          if (table) table.depth++;
          else {
            flushParagraph();
            table = { rows: [], cells: null, cell: null, depth: 1 };
          }
        } else if (table && table.depth === 1) {
          if (name === 'tr') table.cells = [];
          else if (name === 'td' || name === 'th') table.cell = '';
        } else if ((name === 'ul' || name === 'ol') && !table) {
          if (list) {
            flushItem();
            list.depth++;
          } else {
            flushParagraph();
            list = { lines: [], depth: 1, item: null };
          }
        } else if (name === 'li' && list) {
          flushItem();
          list.item = '';
        } else if (name === 'br') {
          append('\n');
        } else if (BREAKS.has(name) && !table && !list && !heading) flushParagraph();
      },
      ontext(data) {
        if (!dropped.at(-1)) append(data);
      },
      oncomment(data) {
        const marker = pageMarker(data);
        if (marker === undefined || dropped.at(-1)) return;
        flushParagraph();
        page = marker;
      },
      onclosetag(name) {
        const wasDropped = dropped.pop() ?? false;
        if (wasDropped) return;
        if (name === 'title' && titleText !== null) {
          title = collapseWhitespace(titleText) || null;
          titleText = null;
        } else if (heading && HEADING.test(name)) {
          const value = collapseWhitespace(heading.text);
          if (heading.depth === 1) firstH1 ??= value || null;
          trail.enter(heading.depth, value);
          heading = null;
        } else if (name === 'pre' && pre !== null) {
          emit('code', pre.replace(/^\n/, '').trimEnd());
          pre = null;
        } else if (name === 'table' && table) {
          if (--table.depth === 0) {
            emit('table', table.rows.join('\n'));
            table = null;
          }
        } else if (table && table.depth === 1 && (name === 'td' || name === 'th') && table.cell !== null) {
          table.cells?.push(collapseWhitespace(table.cell));
          table.cell = null;
        } else if (table && table.depth === 1 && name === 'tr' && table.cells) {
          if (table.cells.some(Boolean)) table.rows.push(`| ${table.cells.join(' | ')} |`);
          table.cells = null;
        } else if ((name === 'ul' || name === 'ol') && list) {
          flushItem();
          if (--list.depth === 0) {
            emit('list', list.lines.join('\n'));
            list = null;
          }
        } else if (name === 'li' && list) flushItem();
        else if (BREAKS.has(name) && !table && !list && !heading) flushParagraph();
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );

  function append(data: string): void {
    if (titleText !== null) titleText += data;
    else if (heading) heading.text += data;
    else if (pre !== null) pre += data;
    else if (table) {
      if (table.cell !== null) table.cell += data;
    } else if (list) {
      if (list.item !== null) list.item += data;
      else list.item = data;
    } else text += data;
  }

  parser.end(content);
  flushParagraph();
  return { title: title ?? firstH1, metadata: {}, blocks };
}

/** The visible text of an HTML fragment (raw HTML inside Markdown). */
export const htmlText = (fragment: string): string =>
  parseHtml(fragment)
    .blocks.map((b) => b.text)
    .join(' ');
