import { formatCitation } from './citation';

describe('formatCitation', () => {
  it('names the section and the page', () => {
    expect(
      formatCitation({
        document_reference: 'book.pdf',
        section_title: 'Chapter 3 — Sensors',
        page_reference: 42,
      }),
    ).toBe('Chapter 3 — Sensors, p. 42');
  });

  it('falls back to the document when there is no section title, and leaves out a missing page', () => {
    expect(formatCitation({ document_reference: 'book.pdf', section_title: null, page_reference: 7 })).toBe(
      'book.pdf, p. 7',
    );
    expect(
      formatCitation({ document_reference: 'book.pdf', section_title: '  ', page_reference: null }),
    ).toBe('book.pdf');
    expect(
      formatCitation({ document_reference: 'book.pdf', section_title: 'Preface', page_reference: 0 }),
    ).toBe('Preface, p. 0');
  });

  it('calls a reader’s own selection what it is', () => {
    expect(formatCitation({ document_reference: null, section_title: null, page_reference: null })).toBe(
      'Selected text',
    );
  });
});
