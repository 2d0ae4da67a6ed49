/**
 * `npm run ingest -- <file-or-directory>... [--url http://127.0.0.1:3000] [--api-key KEY] [--dry-run]`
 *
 * A client of a running service: each file goes through PUT /v1/documents/{path relative to the
 * root given}, one at a time (a file is read, sent and released before the next: memory stays
 * bounded whatever the corpus). PDFs are turned into text here, one page marker per page, so
 * chunks carry their page. Exits 1 naming every file that failed; the others still go in.
 */
import { SingleBar, Presets } from 'cli-progress';
import { opendir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createRagstoreClient, type RagstoreClient } from '../../client';
import { chunkDocument } from '../ingestion/chunking/chunker';
import { pageMarkerLine } from '../ingestion/chunking/document-blocks';
import { formatForExtension, parseDocument, type DocumentFormat } from '../ingestion/chunking/parse-document';

const MAX_RATE_LIMITED_ATTEMPTS = 30;
const EXTENSIONS = new Set(['.md', '.mdx', '.markdown', '.txt', '.html', '.htm', '.pdf']);

interface SourceFile {
  path: string;
  reference: string;
}

async function* walk(root: string): AsyncGenerator<SourceFile> {
  const absolute = resolve(root);
  const info = await stat(absolute);
  if (info.isFile()) {
    yield { path: absolute, reference: basename(absolute) };
    return;
  }
  async function* inside(dir: string): AsyncGenerator<SourceFile> {
    const entries = [];
    for await (const entry of await opendir(dir)) entries.push(entry);
    // Sorted, so runs and progress are reproducible.
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith('.')) yield* inside(path);
      else if (entry.isFile() && EXTENSIONS.has(extname(entry.name).toLowerCase())) {
        yield { path, reference: relative(absolute, path).split(sep).join('/') };
      }
    }
  }
  yield* inside(absolute);
}

/** The file as the documents API takes it; a PDF's pages become text with page markers. */
async function load(path: string): Promise<{ format: DocumentFormat; content: string }> {
  const extension = extname(path).toLowerCase();
  const bytes = await readFile(path);
  if (extension === '.pdf') {
    const { extractText, getDocumentProxy } = await import('unpdf');
    let pages: string[];
    try {
      const pdf = await getDocumentProxy(new Uint8Array(bytes));
      ({ text: pages } = await extractText(pdf, { mergePages: false }));
    } catch (error) {
      throw new Error(`unreadable PDF (${(error as Error).message.split('\n')[0]})`, { cause: error });
    }
    return {
      format: 'text',
      content: pages.map((text, i) => `${pageMarkerLine(i + 1)}\n${text}`).join('\n\n'),
    };
  }
  return { format: formatForExtension(extension)!, content: bytes.toString('utf8') };
}

interface Outcome {
  chunks: number;
  embedded: number;
  skipped: number;
}

/** One file through PUT /v1/documents/{document_reference}, with the typed client (client/). */
async function send(
  ragstore: RagstoreClient,
  file: SourceFile,
  body: { format: DocumentFormat; content: string },
): Promise<Outcome> {
  // The service rate-limits writes (RATE_LIMIT_INGEST per minute): wait as it says, then go on.
  for (let attempt = 1; ; attempt++) {
    const { data, error, response } = await ragstore.PUT('/v1/documents/{document_reference}', {
      params: { path: { document_reference: file.reference } },
      body,
    });
    if (data) return { chunks: data.chunks.length, embedded: data.embedded, skipped: data.skipped };
    if (response.status !== 429 || attempt === MAX_RATE_LIMITED_ATTEMPTS) {
      throw new Error(`HTTP ${response.status} ${error?.code ?? ''}: ${error?.message ?? ''}`.trim());
    }
    await sleep(Math.min(60, Number(response.headers.get('retry-after')) || 1) * 1_000);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string', default: process.env.RAGSTORE_URL ?? 'http://127.0.0.1:3000' },
      'api-key': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) {
    process.stderr.write(
      'usage: npm run ingest -- <file-or-directory>... [--url URL] [--api-key KEY] [--dry-run]\n',
    );
    return 2;
  }
  const ragstore = createRagstoreClient({
    baseUrl: values.url,
    apiKey: values['api-key'] ?? process.env.RAGSTORE_API_KEY,
  });
  const dryRun = values['dry-run'];
  const failures: { file: string; reason: string }[] = [];
  const totals = { files: 0, chunks: 0, embedded: 0, skipped: 0 };
  const bar = new SingleBar(
    {
      format: '{bar} {value} files | {chunks} chunks, {embedded} embedded, {skipped} skipped | {file}',
      noTTYOutput: true,
      notTTYSchedule: 5_000,
    },
    Presets.shades_classic,
  );
  if (!dryRun) bar.start(0, 0, { chunks: 0, embedded: 0, skipped: 0, file: '' });

  for (const root of positionals) {
    try {
      for await (const file of walk(root)) {
        if (!dryRun) bar.setTotal(bar.getTotal() + 1);
        try {
          const body = await load(file.path);
          if (dryRun) {
            const chunks = chunkDocument(parseDocument(body.format, body.content), {
              targetTokens: Number(process.env.CHUNK_TARGET_TOKENS ?? 400),
              overlapTokens: Number(process.env.CHUNK_OVERLAP_TOKENS ?? 60),
            });
            for (const c of chunks) {
              process.stdout.write(`${JSON.stringify({ document_reference: file.reference, ...c })}\n`);
            }
            totals.chunks += chunks.length;
          } else {
            const outcome = await send(ragstore, file, body);
            totals.chunks += outcome.chunks;
            totals.embedded += outcome.embedded;
            totals.skipped += outcome.skipped;
          }
          totals.files++;
        } catch (error) {
          failures.push({ file: file.path, reason: (error as Error).message });
        }
        if (!dryRun) bar.increment(1, { ...totals, file: file.reference });
      }
    } catch (error) {
      failures.push({ file: root, reason: (error as Error).message });
    }
  }
  if (!dryRun) bar.stop();
  process.stdout.write(
    `${dryRun ? 'Would ingest' : 'Ingested'} ${totals.files} file(s): ${totals.chunks} chunks, ` +
      `${totals.embedded} embedded, ${totals.skipped} unchanged; ${failures.length} failed\n`,
  );
  for (const { file, reason } of failures) process.stderr.write(`FAILED ${file}: ${reason}\n`);
  return failures.length > 0 ? 1 : 0;
}

void main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
