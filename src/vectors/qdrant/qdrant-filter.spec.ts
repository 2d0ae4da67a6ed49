import { toQdrantFilter } from './qdrant-filter';

describe('toQdrantFilter', () => {
  it('sends nothing when there is no condition', () => {
    expect(toQdrantFilter(undefined)).toBeUndefined();
    expect(toQdrantFilter({})).toBeUndefined();
  });

  it('matches one document exactly, or any of several', () => {
    expect(toQdrantFilter({ document_reference: 'book.pdf' })).toEqual({
      must: [{ key: 'document_reference', match: { value: 'book.pdf' } }],
    });
    expect(toQdrantFilter({ document_reference: ['a.pdf', 'b.pdf'] })).toEqual({
      must: [{ key: 'document_reference', match: { any: ['a.pdf', 'b.pdf'] } }],
    });
  });

  it('keeps an empty "any of" list, which matches nothing, instead of dropping the condition', () => {
    expect(toQdrantFilter({ document_reference: [] })).toEqual({
      must: [{ key: 'document_reference', match: { any: [] } }],
    });
    expect(toQdrantFilter({ ids: [] })).toEqual({ must: [{ has_id: [] }] });
  });

  it('turns a page range into an inclusive range on metadata.page_reference, open on a missing side', () => {
    expect(toQdrantFilter({ page_from: 3, page_to: 7 })).toEqual({
      must: [{ key: 'metadata.page_reference', range: { gte: 3, lte: 7 } }],
    });
    expect(toQdrantFilter({ page_from: 3 })).toEqual({
      must: [{ key: 'metadata.page_reference', range: { gte: 3 } }],
    });
    expect(toQdrantFilter({ page_to: 0 })).toEqual({
      must: [{ key: 'metadata.page_reference', range: { lte: 0 } }],
    });
  });

  it('ANDs every condition in must, ids as has_id', () => {
    const id = '0b0b8a38-2bd5-4d5e-9a3e-0c1f5d6f7a81';
    expect(
      toQdrantFilter({
        document_reference: 'book.pdf',
        section_title: 'Intro',
        page_from: 1,
        page_to: 2,
        processing_version: 'v2',
        ids: [id],
      }),
    ).toEqual({
      must: [
        { key: 'document_reference', match: { value: 'book.pdf' } },
        { key: 'metadata.section_title', match: { value: 'Intro' } },
        { key: 'metadata.page_reference', range: { gte: 1, lte: 2 } },
        { key: 'metadata.processing_version', match: { value: 'v2' } },
        { has_id: [id] },
      ],
    });
  });
});
