import type { EntityManager } from 'typeorm';

/**
 * Runs a data-modifying statement with RETURNING and gives back its rows. (TypeORM's
 * `manager.query` answers `[rows, affected]` for UPDATE and DELETE but plain rows for the rest.)
 */
export async function returningRows<T>(
  manager: EntityManager,
  sql: string,
  parameters: unknown[],
): Promise<T[]> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, parameters, true);
    return result.records as T[];
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}
