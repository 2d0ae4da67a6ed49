/**
 * A CHECK constraint's "column IN (...)" built from the constant the code uses, so a value added
 * to the code (a retrieval mode, a role, a sync state) is added to the database's rule with it;
 * the migrations test then fails until a migration carries the new constraint.
 */
export function oneOf(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map((value) => `'${value}'`).join(', ')})`;
}
