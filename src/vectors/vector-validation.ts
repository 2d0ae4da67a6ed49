import type { FieldViolation } from '../common/errors';
import type { VectorPoint } from './vector-store';
import { VectorStoreError } from './vector-store.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks what the store would otherwise reject half-way through a batch (or, worse, accept: a
 * NaN or zero vector makes every cosine score meaningless). All offending items are reported at
 * once, each named by its index and id, before anything is written.
 */
export function validatePoints(points: readonly VectorPoint[], vectorSize: number): void {
  const violations: FieldViolation[] = [];
  points.forEach((point, index) => {
    const where = `point ${index} (id ${String(point.id)})`;
    if (!isUuid(point.id))
      violations.push(violation(`points.${index}.id`, 'isUuid', `${where}: id must be a UUID`));
    const problem = vectorProblem(point.vector, vectorSize);
    if (problem)
      violations.push(violation(`points.${index}.vector`, problem.rule, `${where}: ${problem.message}`));
    if (point.payload?.chunk_id !== point.id) {
      violations.push(
        violation(
          `points.${index}.payload.chunk_id`,
          'equalsId',
          `${where}: payload.chunk_id must equal the id`,
        ),
      );
    }
  });
  throwIfAny(violations);
}

export function validateQueryVector(vector: ArrayLike<number>, vectorSize: number): void {
  const problem = vectorProblem(vector, vectorSize);
  if (problem) throwIfAny([violation('vector', problem.rule, `query vector: ${problem.message}`)]);
}

export function validateIds(ids: readonly string[], field = 'ids'): void {
  throwIfAny(
    ids.flatMap((id, index) =>
      isUuid(id)
        ? []
        : [violation(`${field}.${index}`, 'isUuid', `${field}[${index}] (${String(id)}) must be a UUID`)],
    ),
  );
}

export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

function vectorProblem(
  vector: ArrayLike<number> | undefined,
  size: number,
): { rule: string; message: string } | null {
  if (!vector || typeof vector.length !== 'number') return { rule: 'isVector', message: 'vector is missing' };
  if (vector.length !== size) {
    return {
      rule: 'vectorSize',
      message: `vector has ${vector.length} values, the collection expects ${size}`,
    };
  }
  let squares = 0;
  for (let i = 0; i < vector.length; i++) {
    const value = vector[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return { rule: 'isFinite', message: `vector value ${i} is not a finite number` };
    }
    squares += value * value;
  }
  if (squares === 0) return { rule: 'nonZeroNorm', message: 'vector has norm zero' };
  return null;
}

function violation(field: string, rule: string, message: string): FieldViolation {
  return { field, rules: [rule], messages: [message] };
}

function throwIfAny(violations: FieldViolation[]): void {
  if (violations.length === 0) return;
  const shown = violations.slice(0, 3).map((v) => v.messages[0]);
  const more = violations.length > 3 ? ` (and ${violations.length - 3} more)` : '';
  throw new VectorStoreError('VALIDATION_FAILED', `${shown.join('; ')}${more}`, violations);
}
