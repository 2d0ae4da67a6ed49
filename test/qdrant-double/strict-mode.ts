type Json = Record<string, unknown>;

/**
 * The part of Qdrant's `StrictModeConfig` the double enforces (`lib/segment/src/types.rs`). Qdrant
 * Cloud turns strict mode on for new collections with unindexed filtering refused.
 */
export interface StrictModeConfig {
  enabled?: boolean;
  unindexed_filtering_retrieve?: boolean;
  unindexed_filtering_update?: boolean;
  max_query_limit?: number;
  search_max_hnsw_ef?: number;
  search_max_oversampling?: number;
  upsert_max_batchsize?: number;
}

/** A strict-mode refusal: 400 `Bad request: <what>. Help: <help>` (`CollectionError::strict_mode`). */
export class StrictModeViolation extends Error {
  readonly status = 400;
  constructor(what: string, help: string) {
    super(`Bad request: ${what}. Help: ${help}`);
  }
}

/**
 * `check_limit_opt` in `lib/collection/src/operations/verification/mod.rs`: a value over its
 * configured limit is refused, naming the parameter.
 */
export function checkLimit(value: number | undefined, limit: number | undefined, name: string): void {
  if (value === undefined || limit === undefined || value <= limit) return;
  throw new StrictModeViolation(
    `Limit exceeded ${value} > ${limit} for "${name}"`,
    `Reduce the "${name}" parameter to or below ${limit}.`,
  );
}

/**
 * `check_request_filter` in `lib/collection/src/operations/verification/mod.rs`: with
 * unindexed filtering off, the first filter key without a payload index of a type that can answer
 * its condition is refused (`Collection::one_unindexed_key`). `has_id` needs no index.
 */
export function checkIndexedFilter(
  filter: Json | null | undefined,
  allowUnindexed: boolean | undefined,
  indexed: (key: string) => string | undefined,
): void {
  if (!filter || allowUnindexed !== false) return;
  for (const { key, types } of filterKeys(filter)) {
    const type = indexed(key);
    if (type !== undefined && types.includes(type)) continue;
    throw new StrictModeViolation(
      `Index required but not found for "${key}" of one of the following types: [${[...types].sort().join(', ')}]`,
      'Create an index for this key or use a different filter.',
    );
  }
}

/** Every field condition in a filter, with the index types that serve it. */
function filterKeys(filter: Json): { key: string; types: string[] }[] {
  const out: { key: string; types: string[] }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const condition = node as Json;
    for (const part of ['must', 'should', 'must_not']) if (part in condition) visit(condition[part]);
    if (condition.min_should) visit((condition.min_should as Json).conditions);
    if (typeof condition.key === 'string') out.push({ key: condition.key, types: typesFor(condition) });
  };
  visit(filter);
  return out;
}

function typesFor(condition: Json): string[] {
  const match = condition.match as Json | undefined;
  if (match) {
    if ('text' in match) return ['text'];
    const sample = 'value' in match ? match.value : ((match.any ?? match.except) as unknown[])?.[0];
    if (typeof sample === 'boolean') return ['bool'];
    if (typeof sample === 'number') return ['integer'];
    return ['keyword', 'uuid'];
  }
  const range = condition.range as Json | undefined;
  if (range && Object.values(range).some((bound) => typeof bound === 'string')) return ['datetime'];
  if (range) return ['float', 'integer'];
  return ['keyword', 'integer', 'float', 'bool', 'datetime', 'uuid', 'text'];
}
