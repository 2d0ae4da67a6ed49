import type { List, ListItem, Nodes, Root, RootContent, Table } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { parse as parseYaml } from 'yaml';
import {
  collapseWhitespace,
  DocumentContentError,
  HeadingTrail,
  pageMarker,
  type Block,
  type BlockKind,
  type ParsedDocument,
} from './document-blocks';
import { htmlText } from './html-parser';

const markdown = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']).use(remarkGfm).freeze();
const mdx = unified()
  .use(remarkParse)
  .use(remarkFrontmatter, ['yaml'])
  .use(remarkGfm)
  .use(remarkMdx)
  .freeze();

/** MDX code that is not prose: imports/exports and `{expressions}` are dropped, JSX keeps its text. */
const DROPPED = new Set(['mdxjsEsm', 'mdxFlowExpression', 'mdxTextExpression', 'definition', 'html']);

/**
 * Markdown (CommonMark + GFM tables, task lists, footnotes) or MDX to blocks: YAML front matter
 * gives the title and metadata, headings the section path, and code, tables and lists stay one
 * block each so the chunker can keep them whole.
 */
export function parseMarkdown(content: string, options: { mdx?: boolean } = {}): ParsedDocument {
  let tree: Root;
  try {
    tree = (options.mdx ? mdx : markdown).parse(content);
  } catch (error) {
    throw new DocumentContentError(
      `content is not valid ${options.mdx ? 'MDX' : 'Markdown'}: ${firstLine(error)}`,
    );
  }
  const state = { trail: new HeadingTrail(), page: null as number | null, blocks: [] as Block[] };
  let metadata: Record<string, unknown> = {};
  let title: string | null = null;
  let firstH1: string | null = null;

  const emit = (kind: BlockKind, text: string) => {
    if (text.trim() !== '')
      state.blocks.push({ kind, text, headings: state.trail.headings, page: state.page });
  };
  const walk = (nodes: readonly RootContent[]): void => {
    for (const node of nodes) {
      switch (node.type) {
        case 'yaml':
          ({ title, metadata } = frontMatter(node.value));
          break;
        case 'heading': {
          const text = inline(node);
          if (node.depth === 1) firstH1 ??= text || null;
          state.trail.enter(node.depth, text);
          break;
        }
        case 'paragraph':
          emit('paragraph', inline(node));
          break;
        case 'code':
          emit('code', node.value);
          break;
        case 'table':
          emit('table', tableLines(node).join('\n'));
          break;
        case 'list':
          emit('list', listLines(node, 0).join('\n'));
          break;
        case 'html': {
          const page = pageMarker(node.value);
          if (page !== undefined) state.page = page;
          else emit('paragraph', htmlText(node.value));
          break;
        }
        case 'blockquote':
        case 'footnoteDefinition':
          walk(node.children);
          break;
        default: {
          const other = node as Nodes;
          if (other.type === 'mdxFlowExpression') {
            const page = pageMarker(other.value);
            if (page !== undefined) state.page = page;
          } else if (other.type === 'mdxJsxFlowElement') {
            walk(other.children);
          }
        }
      }
    }
  };
  walk(tree.children);
  return { title: title ?? firstH1, metadata, blocks: state.blocks };
}

function frontMatter(source: string): { title: string | null; metadata: Record<string, unknown> } {
  let value: unknown;
  try {
    value = parseYaml(source);
  } catch (error) {
    throw new DocumentContentError(`content has front matter that is not valid YAML: ${firstLine(error)}`);
  }
  if (value === null || value === undefined) return { title: null, metadata: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new DocumentContentError('content has front matter that is not a YAML mapping');
  }
  const { title, ...metadata } = value as Record<string, unknown>;
  return { title: typeof title === 'string' && title.trim() !== '' ? title.trim() : null, metadata };
}

/** The visible text of inline content, with MDX expressions and raw HTML tags left out. */
function inline(node: Nodes): string {
  return collapseWhitespace(toString(withoutDropped(node)));
}

function withoutDropped(node: Nodes): Nodes {
  if (!('children' in node)) return node;
  const children = (node.children as Nodes[]).filter((c) => !DROPPED.has(c.type)).map(withoutDropped);
  return { ...node, children } as Nodes;
}

function tableLines(table: Table): string[] {
  return table.children.map((row) => `| ${row.children.map((cell) => inline(cell)).join(' | ')} |`);
}

function listLines(list: List, depth: number): string[] {
  const indent = '  '.repeat(depth);
  return list.children.flatMap((item: ListItem, i) => {
    const bullet = list.ordered ? `${(list.start ?? 1) + i}.` : '-';
    const check = item.checked === true ? '[x] ' : item.checked === false ? '[ ] ' : '';
    const own = item.children.filter((c) => c.type !== 'list').map((c) => inline(c as Nodes));
    const nested = item.children.filter((c): c is List => c.type === 'list');
    return [
      `${indent}${bullet} ${check}${own.filter(Boolean).join(' ')}`.trimEnd(),
      ...nested.flatMap((n) => listLines(n, depth + 1)),
    ];
  });
}

const firstLine = (error: unknown): string => String((error as Error).message ?? error).split('\n')[0];
