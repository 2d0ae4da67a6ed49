import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { startTestApp, type TestApp } from '../support/app';
import { runCliScript } from './cli-run';

describe('npm run ingest (the loader CLI against a running service)', () => {
  let t: TestApp;
  let pg: Client;
  let root: string;

  beforeAll(async () => {
    // Above the default 60 writes a minute: the 1 000-page site is one PUT per page.
    t = await startTestApp({ env: { VECTOR_SIZE: '64', RATE_LIMIT_INGEST: '100000' } });
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    root = mkdtempSync(join(tmpdir(), 'ragstore-book-'));
    mkdirSync(join(root, 'chapters'));
    for (let i = 1; i <= 3; i++) {
      writeFileSync(
        join(root, 'chapters', `0${i}.md`),
        `# Chapter ${i}\n\n## Part ${i}\n\nChapter ${i} tells of lamp number ${i * 11} and its keeper.\n`,
      );
    }
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    for (const words of ['The first page describes the foghorn.', 'The second page describes the lens.']) {
      pdf.addPage([400, 200]).drawText(words, { x: 20, y: 100, size: 12, font });
    }
    writeFileSync(join(root, 'manual.pdf'), await pdf.save());
    writeFileSync(join(root, 'broken.pdf'), 'this is not a PDF');
    writeFileSync(join(root, 'ignored.png'), 'not text');
  });
  afterAll(async () => {
    await pg?.end();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const rows = async () =>
    (
      await pg.query(
        `SELECT document_reference, page_reference, section_title, chunk_text FROM chunks
          WHERE deleted_at IS NULL ORDER BY document_reference, chunk_index`,
      )
    ).rows;

  it('ingests every file under the root by its relative path, PDF pages as page_reference, and names the file that failed', async () => {
    const { code, output } = await runCliScript('ingest', [root, '--url', t.baseUrl], {});
    expect(code).toBe(1);
    expect(output).toContain('Ingested 4 file(s)');
    expect(output).toMatch(/FAILED .*broken\.pdf: unreadable PDF/);
    const stored = await rows();
    expect(stored.map((r) => r.document_reference)).toEqual([
      'chapters/01.md',
      'chapters/02.md',
      'chapters/03.md',
      'manual.pdf',
      'manual.pdf',
    ]);
    expect(stored[1]).toMatchObject({ section_title: 'Chapter 2 › Part 2', page_reference: null });
    expect(stored.slice(3).map((r) => [r.page_reference, r.chunk_text])).toEqual([
      [1, 'The first page describes the foghorn.'],
      [2, 'The second page describes the lens.'],
    ]);

    // A second run over the same root changes nothing and embeds nothing.
    rmSync(join(root, 'broken.pdf'));
    const again = await runCliScript('ingest', [root, '--url', t.baseUrl], {});
    expect(again.code).toBe(0);
    expect(again.output).toContain('Ingested 4 file(s): 5 chunks, 0 embedded, 5 unchanged; 0 failed');
    expect(await rows()).toEqual(stored);
  });

  it('loads a documentation site of 1 000 HTML pages with a multi-page PDF, without a failure', async () => {
    const site = mkdtempSync(join(tmpdir(), 'ragstore-site-'));
    try {
      for (let i = 0; i < 1_000; i++) {
        const dir = join(site, 'docs', `section-${Math.floor(i / 100)}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(
          join(dir, `page-${i}.html`),
          `<html><head><title>Page ${i}</title><script>track()</script></head><body>` +
            `<nav><a href="/">Home</a></nav><h1>Topic ${i}</h1><p>Page ${i} explains setting number ${i}.</p></body></html>`,
        );
      }
      const pdf = await PDFDocument.create();
      const font = await pdf.embedFont(StandardFonts.Helvetica);
      for (let page = 1; page <= 12; page++) {
        pdf.addPage([400, 200]).drawText(`Appendix page ${page}.`, { x: 20, y: 100, size: 12, font });
      }
      writeFileSync(join(site, 'appendix.pdf'), await pdf.save());

      const { code, output } = await runCliScript('ingest', [site, '--url', t.baseUrl], {});
      expect(output).toContain('Ingested 1001 file(s): 1012 chunks');
      expect(code).toBe(0);
      const { rows: counts } = await pg.query(
        `SELECT count(*)::int AS n, count(DISTINCT page_reference)::int AS pages FROM chunks
          WHERE deleted_at IS NULL AND (document_reference LIKE 'docs/%' OR document_reference = 'appendix.pdf')`,
      );
      expect(counts[0]).toEqual({ n: 1012, pages: 12 });
    } finally {
      rmSync(site, { recursive: true, force: true });
    }
  }, 240_000);
});
