import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { Page, PageRequest } from '../common/pagination';
import { validationFailed } from '../common/validation';

type KeyType = 'timestamptz' | 'uuid' | 'integer' | 'text';

const KEY_FORMATS: Record<KeyType, RegExp> = {
  timestamptz: /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2}){0,2}|Z)$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  integer: /^-?\d{1,10}$/,
  // Any text up to the longest key a list uses (a document reference: 500 characters).
  text: /^[\s\S]{1,500}$/u,
};

/** A sort key: columns of the main alias with their SQL types; the last must be unique (a tie-breaker). */
export interface KeysetOrder {
  direction: 'ASC' | 'DESC';
  columns: readonly (readonly [column: string, type: KeyType])[];
}

export const keysetOrder = (
  direction: KeysetOrder['direction'],
  ...columns: KeysetOrder['columns']
): KeysetOrder => ({ direction, columns });

/**
 * Keyset pagination: `WHERE (k1, k2) > (cursor)` ORDER BY k1, k2 LIMIT n+1, on a query builder
 * whose main alias is the table. No OFFSET, so a page costs the same deep in the list, and rows
 * inserted while a client pages never shift or repeat the rows it has not seen yet.
 *
 * The cursor carries the key as PostgreSQL prints it (`::text`): timestamps keep their
 * microseconds, which a JavaScript Date would round to milliseconds and so skip or repeat rows.
 */
export async function paginateKeyset<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  order: KeysetOrder,
  page: PageRequest,
): Promise<Page<T>> {
  applyKeyset(qb, order, page);
  const { entities, raw } = await qb.getRawAndEntities<Record<string, string>>();
  return pageOf(entities, raw, order, page);
}

/**
 * The same pagination for a query whose rows are not entities (an aggregate grouped by the key
 * columns, say): the selected columns come back as the raw rows, the cursor keys stripped.
 */
export async function paginateKeysetRows<R extends object>(
  qb: SelectQueryBuilder<ObjectLiteral>,
  order: KeysetOrder,
  page: PageRequest,
): Promise<Page<R>> {
  applyKeyset(qb, order, page);
  const raw = await qb.getRawMany<Record<string, string>>();
  const rows = raw.map((row) => {
    const copy: Record<string, unknown> = { ...row };
    order.columns.forEach((_, i) => delete copy[`keyset_${i}`]);
    return copy as R;
  });
  return pageOf(rows, raw, order, page);
}

function applyKeyset(qb: SelectQueryBuilder<ObjectLiteral>, order: KeysetOrder, page: PageRequest): void {
  const alias = qb.alias;
  const columns = order.columns.map(([column]) => `${alias}.${column}`);
  if (page.cursor !== undefined) {
    const values = decodeCursor(page.cursor, order.columns);
    const params = Object.fromEntries(values.map((v, i) => [`keyset_${i}`, v]));
    const placeholders = order.columns.map(([, type], i) => `CAST(:keyset_${i} AS ${type})`);
    const op = order.direction === 'ASC' ? '>' : '<';
    qb.andWhere(`(${columns.join(', ')}) ${op} (${placeholders.join(', ')})`, params);
  }
  columns.forEach((column, i) => {
    qb.addOrderBy(column, order.direction);
    qb.addSelect(`${column}::text`, `keyset_${i}`);
  });
  qb.limit(page.limit + 1);
}

function pageOf<T>(
  items: T[],
  raw: readonly Record<string, string>[],
  order: KeysetOrder,
  page: PageRequest,
): Page<T> {
  if (items.length <= page.limit) return { items, next_cursor: null };
  const last = raw[page.limit - 1];
  return {
    items: items.slice(0, page.limit),
    next_cursor: encodeCursor(order.columns.map((_, i) => last[`keyset_${i}`])),
  };
}

function encodeCursor(values: string[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, columns: KeysetOrder['columns']): string[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  const valid =
    Array.isArray(values) &&
    values.length === columns.length &&
    values.every((v, i) => typeof v === 'string' && KEY_FORMATS[columns[i][1]].test(v));
  if (!valid) {
    throw validationFailed([
      {
        field: 'cursor',
        rules: ['isCursor'],
        messages: ['cursor must be a next_cursor returned by this list'],
      },
    ]);
  }
  return values as string[];
}

/** `from <= column < to` on the main alias, for the lists that take a time window. */
export function whereInTimeRange<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  column: string,
  range: { from?: string; to?: string },
): SelectQueryBuilder<T> {
  if (range.from !== undefined)
    qb.andWhere(`${qb.alias}.${column} >= :range_from`, { range_from: range.from });
  if (range.to !== undefined) qb.andWhere(`${qb.alias}.${column} < :range_to`, { range_to: range.to });
  return qb;
}
