import type { ParsedDocument } from './document-blocks';
import { parseHtml } from './html-parser';
import { parseMarkdown } from './markdown-parser';
import { parseText } from './text-parser';

export const DOCUMENT_FORMATS = ['markdown', 'mdx', 'html', 'text'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** One parser per format; every parser yields the same block model for the chunker. */
export function parseDocument(format: DocumentFormat, content: string): ParsedDocument {
  switch (format) {
    case 'markdown':
      return parseMarkdown(content);
    case 'mdx':
      return parseMarkdown(content, { mdx: true });
    case 'html':
      return parseHtml(content);
    case 'text':
      return parseText(content);
  }
}

/** The format a file's extension implies (the loader CLI's choice), else undefined. */
export function formatForExtension(extension: string): DocumentFormat | undefined {
  switch (extension.toLowerCase()) {
    case '.md':
    case '.markdown':
      return 'markdown';
    case '.mdx':
      return 'mdx';
    case '.html':
    case '.htm':
      return 'html';
    case '.txt':
      return 'text';
    default:
      return undefined;
  }
}
