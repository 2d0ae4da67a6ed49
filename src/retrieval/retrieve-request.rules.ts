import type { FieldViolation } from '../common/errors';
import type { RetrieveRequestDto } from './dto/retrieve-request.dto';

/**
 * The rules that relate fields, checked after the field-level ones. Every violation names the
 * field to fix. `vectorSize` is the collection's size (VECTOR_SIZE); `maxQueryTerms` bounds the
 * words and operators of a query that feeds the full-text search (RETRIEVAL_MAX_QUERY_TERMS).
 */
export function crossFieldViolations(
  request: RetrieveRequestDto,
  vectorSize: number,
  maxQueryTerms: number,
): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const add = (field: string, rule: string, message: string) =>
    violations.push({ field, rules: [rule], messages: [message] });
  const hasQuery = request.query !== undefined;
  const hasVector = request.query_vector !== undefined;

  if (hasQuery && hasVector) {
    add('query_vector', 'exactlyOneOf', 'send either query or query_vector, not both');
  } else if (!hasQuery && !hasVector) {
    add('query', 'exactlyOneOf', 'one of query or query_vector is required');
  }
  if (request.mode === 'hybrid' && !hasQuery && hasVector) {
    add('query', 'requiredForHybrid', 'hybrid mode needs query (its words feed the full-text search)');
  }
  if (request.mode === 'hybrid' && hasQuery && queryTerms(request.query!) > maxQueryTerms) {
    add(
      'query',
      'maxTerms',
      `query has ${queryTerms(request.query!)} words and operators; hybrid mode searches at most ${maxQueryTerms}`,
    );
  }
  if (request.mode === 'selected_text' && request.selected_text === undefined) {
    add('selected_text', 'requiredForSelectedText', 'selected_text mode needs selected_text');
  }
  if (request.mode !== 'selected_text' && request.selected_text !== undefined) {
    add('selected_text', 'onlyForSelectedText', 'selected_text is only used in selected_text mode');
  }
  if (hasVector && request.query_vector!.length !== vectorSize) {
    add(
      'query_vector',
      'vectorSize',
      `query_vector has ${request.query_vector!.length} values; the collection holds vectors of size ${vectorSize}`,
    );
  } else if (hasVector) {
    // Checked here in one pass rather than by a per-number decorator: ≈ 5 % of a vector
    // retrieval's main-thread time went to class-validator's check of 1 024 numbers.
    const vector: readonly unknown[] = request.query_vector!;
    const notFinite = vector.findIndex((value) => typeof value !== 'number' || !Number.isFinite(value));
    if (notFinite >= 0)
      add('query_vector', 'finite', `query_vector value ${notFinite} is not a finite number`);
    else if (vector.every((value) => value === 0)) {
      add('query_vector', 'nonZeroNorm', 'query_vector must not be all zeros');
    }
  }
  const { page_from, page_to } = request.filter ?? {};
  if (page_from !== undefined && page_to !== undefined && page_from > page_to) {
    add('filter.page_to', 'pageRange', 'filter.page_to must not be less than filter.page_from');
  }
  return violations;
}

/**
 * Words and operators (quotes, a leading `-`) of a full-text query: each word is an index probe
 * and a ranking term, so their number bounds the statement's cost. `or` counts as a word.
 */
export function queryTerms(query: string): number {
  const words = query.match(/[\p{L}\p{N}_]+/gu)?.length ?? 0;
  const operators = query.match(/"|(?:^|\s)-/g)?.length ?? 0;
  return words + operators;
}
