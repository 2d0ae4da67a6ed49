import type { FailedStatement } from '../database/postgres-errors';
import type { FieldViolation } from './errors';

const RULE_BY_SQLSTATE: Record<string, string> = {
  '23505': 'unique',
  '23503': 'foreignKey',
  '23502': 'notNull',
  '23514': 'check',
};

/**
 * The fields a refused statement names, with the rule each broke — what a client can act on,
 * never the constraint's name (an internal detail of the schema) nor the values (which may be
 * personal data). The fields come from PostgreSQL's `Key (a, b)=(…)` detail (unique, foreign
 * key), the NOT NULL column, or a CHECK constraint named `<table>_<column>_check`.
 */
export function constraintViolations(failure: FailedStatement, message: string): FieldViolation[] {
  const rule = RULE_BY_SQLSTATE[failure.code ?? ''];
  if (!rule) return [];
  return fieldsOf(failure).map((field) => ({ field, rules: [rule], messages: [message] }));
}

function fieldsOf(failure: FailedStatement): string[] {
  const keyColumns = /^Key \(([^)]+)\)=/.exec(failure.detail ?? '')?.[1];
  if (keyColumns) return keyColumns.split(',').map((column) => column.trim());
  if (failure.column) return [failure.column];
  const check = /^(.+)_check$/.exec(failure.constraint ?? '')?.[1];
  if (check && failure.table && check.startsWith(`${failure.table}_`)) {
    return [check.slice(failure.table.length + 1)];
  }
  return [];
}
