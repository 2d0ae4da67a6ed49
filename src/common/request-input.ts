/// <reference lib="es2024.string" />
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, type FieldViolation } from './errors';
import { validationFailed } from './validation';

/**
 * Deeper than any body a route accepts (an ingest item's metadata, the deepest, is about 8 levels),
 * and far below what overflows the stack of class-transformer and class-validator (≈ 2 000).
 */
export const MAX_BODY_DEPTH = 32;
/** Enough to name the fields of a bad request without building a huge error for a huge one. */
const MAX_REPORTED_FIELDS = 20;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** What nesting depends on outside strings: a quote opens one, brackets and braces nest. */
const STRUCTURE = /["[\]{}]/g;

/**
 * Whether a JSON text nests objects and arrays deeper than `max`: one pass that jumps from one
 * quote, bracket or brace to the next (regular-expression and `indexOf` scans: an ingest body is
 * mostly numbers, which a character-by-character loop cost ≈ 60 µs a chunk on), skipping strings,
 * with no recursion, so it costs less than the parse it guards.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  STRUCTURE.lastIndex = 0;
  for (let found = STRUCTURE.exec(text); found !== null; found = STRUCTURE.exec(text)) {
    const c = text.charCodeAt(found.index);
    if (c === QUOTE) {
      const end = endOfString(text, found.index + 1);
      if (end < 0) return false;
      STRUCTURE.lastIndex = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else {
      depth--;
    }
  }
  return false;
}

/** Where the string whose contents start at `from` ends (past its closing quote), or -1. */
function endOfString(text: string, from: number): number {
  for (let quote = text.indexOf('"', from); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    // Escaped when an odd run of backslashes comes right before it.
    let backslashes = 0;
    while (quote - backslashes - 1 >= from && text.charCodeAt(quote - backslashes - 1) === BACKSLASH)
      backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
  }
  return -1;
}

/**
 * PostgreSQL refuses a NUL character in text and jsonb, and a lone UTF-16 surrogate cannot be
 * encoded as UTF-8 at all: a value holding either is unstorable, so it is refused up front rather
 * than by the database later (or, for the retrieval log, after the caller was told it was written).
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/**
 * Every string in `value` (object keys included) that PostgreSQL could not store, by dotted path
 * under `root`. Iterative, so a deep value cannot overflow the stack.
 */
export function unstorableFields(value: unknown, root: string): FieldViolation[] {
  const found: FieldViolation[] = [];
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0 && found.length < MAX_REPORTED_FIELDS) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      if (!isStorableText(current)) found.push(violation(path));
    } else if (Array.isArray(current)) {
      // Index keys are always storable, and numbers and booleans cannot hold text: only strings
      // and containers are visited (a 1 024-number query_vector costs one pass, no paths built).
      for (let i = current.length - 1; i >= 0; i--) {
        const child: unknown = current[i];
        if (typeof child === 'string' || (child !== null && typeof child === 'object'))
          stack.push([child, path ? `${path}.${i}` : String(i)]);
      }
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        const childPath = path ? `${path}.${key}` : key;
        if (!isStorableText(key)) found.push(violation(path ? `${path}.<key>` : '<key>'));
        else stack.push([child, childPath]);
      }
    }
  }
  return found;
}

const violation = (field: string): FieldViolation => ({
  field,
  rules: ['storableText'],
  messages: [`${field} must not contain NUL characters or unpaired UTF-16 surrogates`],
});

/**
 * Query parameters named like `Object.prototype` members: class-transformer drops them silently
 * instead of letting the whitelist reject them, so they are refused here by name.
 */
function prototypeNamedParameters(query: unknown): FieldViolation[] {
  if (query === null || typeof query !== 'object') return [];
  return Object.keys(query)
    .filter((key) => key in Object.prototype || key === 'prototype')
    .map((field) => ({ field, rules: ['whitelist'], messages: [`property ${field} should not exist`] }));
}

/**
 * The request parsing every route shares: only `application/json` bodies (a form or text body is
 * a 415, so a page on another origin cannot send a "simple" cross-site request a route accepts),
 * parsed only up to MAX_BODY_DEPTH levels (a 400, before anything recursive sees it), and
 * unstorable text in any path parameter, query parameter or body field refused with a 400 that
 * names the field, on every route, before validation.
 */
export function installRequestInputRules(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  // Fastify's own parser after the depth check: it keeps the __proto__ / constructor poisoning guard.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestsDeeperThan(body as string, MAX_BODY_DEPTH)) {
      done(
        new DomainError('VALIDATION_FAILED', `The request body nests deeper than ${MAX_BODY_DEPTH} levels`, [
          {
            field: 'body',
            rules: ['maxDepth'],
            messages: [`the request body must nest at most ${MAX_BODY_DEPTH} levels`],
          },
        ]),
        undefined,
      );
      return;
    }
    void parseJson(request, body as string, done);
  });
  fastify.addHook('preValidation', (request: FastifyRequest, _reply, done) => {
    const violations = [
      ...prototypeNamedParameters(request.query),
      ...unstorableFields(request.params, ''),
      ...unstorableFields(request.query, ''),
      ...unstorableFields(request.body, ''),
    ];
    done(violations.length > 0 ? validationFailed(violations) : undefined);
  });
}
