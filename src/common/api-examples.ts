import type { Type } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';

/*
 * Documented request examples are sent as they are by Swagger UI's "Try it out", and a test sends
 * each one (test/e2e/openapi-examples.e2e-spec.ts), so every example must pass validation. Two
 * kinds of value stand for something only the caller has; the test substitutes them:
 */

/** Ids of the caller's own rows (a user, a retrieval log, a chunk). */
export const EXAMPLE_IDS = {
  user_id: '5d1f7a40-8c8e-4f57-9d0b-7d8f8c4c2a10',
  log_id: '9c0e1d2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f',
  chunk_id: '3fb6c1a2-8d3e-4c4f-9a1b-2c3d4e5f6a7b',
} as const;

/** An embedding: a real one has VECTOR_SIZE numbers (the examples show three). */
export const EXAMPLE_VECTOR: readonly number[] = [0.012, -0.034, 0.056];

export interface BodyExample {
  summary: string;
  description?: string;
  value: object;
}

/** The body schema with named examples; Swagger UI offers the first one in "Try it out". */
export const ApiBodyExamples = (type: Type<unknown>, examples: Record<string, BodyExample>) =>
  ApiBody({ type, examples });
