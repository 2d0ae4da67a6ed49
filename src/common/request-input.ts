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
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether a JSON text nests objects and arrays deeper than `max`: one pass over the characters,
 * skipping strings, with no recursion and no allocation, so it costs less than the parse it guards.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
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
