import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { toFieldViolations } from '../common/validation';
import { RetrieveRequestDto } from './dto/retrieve-request.dto';
import { crossFieldViolations, queryTerms } from './retrieve-request.rules';

/** The two layers as the route runs them: field rules (ValidationPipe), then the rules between fields. */
function violatedFields(body: Record<string, unknown>, vectorSize = 4): string[] {
  const dto = plainToInstance(RetrieveRequestDto, body);
  const fieldErrors = toFieldViolations(
    validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }),
  );
  const violations = fieldErrors.length > 0 ? fieldErrors : crossFieldViolations(dto, vectorSize, 8);
  return violations.map((v) => v.field);
}

describe('retrieve request rules', () => {
  it('accepts the minimal requests of each mode, with the defaults', () => {
    expect(violatedFields({ query: 'sensors' })).toEqual([]);
    expect(violatedFields({ query_vector: [0, 0.5, 0, 0.5] })).toEqual([]);
    expect(violatedFields({ query: 'sensors', mode: 'hybrid' })).toEqual([]);
    expect(violatedFields({ query: 'why?', mode: 'selected_text', selected_text: 'the passage' })).toEqual(
      [],
    );
    const dto = plainToInstance(RetrieveRequestDto, { query: 'sensors' });
    expect(dto).toMatchObject({ top_k: 5, mode: 'vector' });
  });

  it.each([
    [{ query: 'x', query_vector: [1, 0, 0, 0] }, 'query_vector'],
    [{}, 'query'],
    [{ query: '' }, 'query'],
    [{ query: ' \n\t' }, 'query'],
    [{ query_vector: [1, 0, 0] }, 'query_vector'],
    [{ query_vector: [0, 0, 0, 0] }, 'query_vector'],
    [{ query_vector: [1, 'a', 0, 0] }, 'query_vector'],
    [{ query_vector: [1, null, 0, 0] }, 'query_vector'],
    [{ query: 'x', top_k: 0 }, 'top_k'],
    [{ query: 'x', top_k: 51 }, 'top_k'],
    [{ query: 'x', top_k: 2.5 }, 'top_k'],
    [{ query: 'x', mode: 'semantic' }, 'mode'],
    [{ mode: 'hybrid', query_vector: [1, 0, 0, 0] }, 'query'],
    [{ query: 'x', mode: 'selected_text' }, 'selected_text'],
    [{ query: 'x', selected_text: 'a passage' }, 'selected_text'],
    [{ query: 'x', mode: 'selected_text', selected_text: '  ' }, 'selected_text'],
    [{ query: 'x', score_threshold: 1.5 }, 'score_threshold'],
    [{ query: 'x', user_id: 'bob' }, 'user_id'],
    [{ query: 'x', filter: { page_from: 5, page_to: 4 } }, 'filter.page_to'],
    [{ query: 'x', filter: { page_from: -1 } }, 'filter.page_from'],
    [{ query: 'x', filter: { document_reference: ['a', 7] } }, 'filter.document_reference'],
    [{ query: 'x', filter: { document_reference: '' } }, 'filter.document_reference'],
    [{ query: 'x', filter: { document_reference: [] } }, 'filter.document_reference'],
    [{ query: 'x', filter: { ids: ['a'] } }, 'filter.ids'],
    [{ query: 'x', vector: [1] }, 'vector'],
  ])('rejects %j naming %s', (body, field) => {
    expect(violatedFields(body)).toContain(field);
  });

  it('names both sizes when the vector has the wrong one', () => {
    const [violation] = crossFieldViolations(
      plainToInstance(RetrieveRequestDto, { query_vector: [1, 2, 3] }),
      1024,
      8,
    );
    expect(violation.messages[0]).toBe(
      'query_vector has 3 values; the collection holds vectors of size 1024',
    );
  });

  it('names the first value that is not a finite number', () => {
    expect(
      crossFieldViolations(plainToInstance(RetrieveRequestDto, { query_vector: [0.5, 1, 'x', null] }), 4, 8),
    ).toEqual([
      { field: 'query_vector', rules: ['finite'], messages: ['query_vector value 2 is not a finite number'] },
    ]);
  });

  it('bounds the words and operators of a hybrid query, naming the field and the limit', () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' OR ');
    expect(queryTerms('"strain gauge" -thermo sensors')).toBe(7); // 4 words, 2 quotes, 1 minus
    expect(violatedFields({ query: words(4), mode: 'hybrid' })).toEqual([]); // 4 words + 3 OR = 7
    expect(
      crossFieldViolations(plainToInstance(RetrieveRequestDto, { query: words(5), mode: 'hybrid' }), 4, 8),
    ).toEqual([
      {
        field: 'query',
        rules: ['maxTerms'],
        messages: ['query has 9 words and operators; hybrid mode searches at most 8'],
      },
    ]);
    // Vector mode sends the text to the embedding provider only: no full-text statement to bound.
    expect(violatedFields({ query: words(5) })).toEqual([]);
  });
});
