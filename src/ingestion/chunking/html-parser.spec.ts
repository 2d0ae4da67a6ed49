import { parseHtml } from './html-parser';

describe('parseHtml', () => {
  const page = `<!doctype html><html><head><title> Sensors &amp; Motors </title>
    <style>body { color: red }</style><script>var x = "<p>not text</p>";</script></head>
    <body>
      <nav><ul><li>Home</li><li>Docs</li></ul></nav>
      <div role="navigation">Skip to content</div>
      <main>
        <h1>Chapter 3</h1>
        <p>Intro <b>bold</b>
           text.</p>
        <h2>Sensors</h2>
        <div>A strain gauge<br>measures force.</div>
        <pre>line one
  indented</pre>
        <table><tr><th>part</th><th>cost</th></tr><tr><td>gear</td><td>3</td></tr></table>
        <ul><li>first<ul><li>nested</li></ul></li><li>second</li></ul>
        <!-- page: 9 -->
        <p hidden>secret</p>
        <p>After the marker.</p>
      </main>
      <footer><p>© 2026</p></footer>
    </body></html>`;

  it('keeps headings, paragraphs, pre, tables and lists and drops navigation, scripts and styles', () => {
    const doc = parseHtml(page);
    expect(doc.title).toBe('Sensors & Motors');
    expect(doc.blocks.map((b) => [b.kind, b.headings.join(' › '), b.page, b.text])).toEqual([
      ['paragraph', 'Chapter 3', null, 'Intro bold text.'],
      ['paragraph', 'Chapter 3 › Sensors', null, 'A strain gauge measures force.'],
      ['code', 'Chapter 3 › Sensors', null, 'line one\n  indented'],
      ['table', 'Chapter 3 › Sensors', null, '| part | cost |\n| gear | 3 |'],
      ['list', 'Chapter 3 › Sensors', null, '- first\n  - nested\n- second'],
      ['paragraph', 'Chapter 3 › Sensors', 9, 'After the marker.'],
      ['paragraph', 'Chapter 3 › Sensors', 9, '© 2026'],
    ]);
  });

  it('uses the first h1 when there is no <title>, and survives unbalanced markup', () => {
    const doc = parseHtml('<h1>Guide</h1><p>one<p>two<div>three');
    expect(doc.title).toBe('Guide');
    expect(doc.blocks.map((b) => b.text)).toEqual(['one', 'two', 'three']);
  });
});
