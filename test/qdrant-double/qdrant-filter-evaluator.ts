import type { PointPredicate } from '../../src/vectors/local/vector-index';

type Payload = Record<string, unknown>;
type Json = Record<string, unknown>;

/** A filter the double understands the schema of but does not implement: answered loudly, never guessed. */
export class UnsupportedByDouble extends Error {}

/**
 * Qdrant's filter language evaluated over a JSON payload, after CONTRACT.md §4 (query_checker.rs):
 * must / should / must_not / min_should, nested filters, has_id, is_empty, is_null, match
 * value / any / except / text, and range. A condition on an array matches when any element does.
 */
export function compileQdrantFilter(filter: Json | null | undefined): PointPredicate<Payload> | undefined {
  if (!filter) return undefined;
  return filterPredicate(filter);
}

function filterPredicate(filter: Json): PointPredicate<Payload> {
  const must = list(filter.must).map(conditionPredicate);
  const should =
    filter.should === undefined || filter.should === null
      ? undefined
      : list(filter.should).map(conditionPredicate);
  const mustNot = list(filter.must_not).map(conditionPredicate);
  const minShould = filter.min_should as { conditions: Json[]; min_count: number } | null | undefined;
  const minShouldChecks = minShould ? list(minShould.conditions).map(conditionPredicate) : undefined;
  return (id, payload) =>
    must.every((c) => c(id, payload)) &&
    (should === undefined || should.some((c) => c(id, payload))) &&
    !mustNot.some((c) => c(id, payload)) &&
    (minShouldChecks === undefined ||
      minShouldChecks.filter((c) => c(id, payload)).length >= minShould!.min_count);
}

function conditionPredicate(condition: Json): PointPredicate<Payload> {
  if ('must' in condition || 'should' in condition || 'must_not' in condition || 'min_should' in condition) {
    return filterPredicate(condition);
  }
  if ('has_id' in condition) {
    const ids = new Set((condition.has_id as (string | number)[]).map((id) => String(id).toLowerCase()));
    return (id) => ids.has(id);
  }
  if ('is_empty' in condition && !('key' in condition))
    return isEmpty((condition.is_empty as { key: string }).key);
  if ('is_null' in condition && !('key' in condition))
    return isNull((condition.is_null as { key: string }).key);
  if ('key' in condition) return fieldPredicate(condition);
  throw new UnsupportedByDouble(
    `filter condition ${Object.keys(condition).join(',')} is not implemented by the double`,
  );
}

function fieldPredicate(condition: Json): PointPredicate<Payload> {
  const key = condition.key as string;
  const checks: ((values: unknown[], raw: unknown) => boolean)[] = [];
  const match = condition.match as Json | undefined;
  if (match) checks.push(matchCheck(match));
  const range = condition.range as Record<string, number | null | undefined> | undefined;
  if (range) {
    checks.push((values) =>
      values.some(
        (v) =>
          typeof v === 'number' &&
          (range.gt == null || v > range.gt) &&
          (range.gte == null || v >= range.gte) &&
          (range.lt == null || v < range.lt) &&
          (range.lte == null || v <= range.lte),
      ),
    );
  }
  if (condition.is_empty === true)
    checks.push((_, raw) => raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0));
  if (condition.is_null === true) checks.push((values, raw) => raw === null || values.includes(null));
  for (const unsupported of [
    'values_count',
    'geo_bounding_box',
    'geo_radius',
    'geo_polygon',
    'datetime_range',
  ]) {
    if (condition[unsupported] != null)
      throw new UnsupportedByDouble(`${unsupported} is not implemented by the double`);
  }
  return (_, payload) => {
    const raw = valueAt(payload, key);
    const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    return checks.every((check) => check(values, raw));
  };
}

function matchCheck(match: Json): (values: unknown[]) => boolean {
  if ('value' in match) return (values) => values.some((v) => sameValue(v, match.value));
  if ('any' in match) {
    const any = match.any as unknown[];
    return (values) => values.some((v) => any.some((a) => sameValue(v, a)));
  }
  if ('except' in match) {
    const except = match.except as unknown[];
    return (values) => values.some((v) => v !== null && !except.some((e) => sameValue(v, e)));
  }
  if ('text' in match)
    return (values) => values.some((v) => typeof v === 'string' && v.includes(match.text as string));
  throw new UnsupportedByDouble(`match ${Object.keys(match).join(',')} is not implemented by the double`);
}

/** Type-strict equality, as Qdrant's: the integer 3 matches only an integer 3, a string only a string. */
function sameValue(stored: unknown, wanted: unknown): boolean {
  if (typeof wanted === 'number')
    return typeof stored === 'number' && Number.isInteger(stored) && stored === wanted;
  return stored === wanted;
}

function isEmpty(key: string): PointPredicate<Payload> {
  return (_, payload) => {
    const raw = valueAt(payload, key);
    return raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0);
  };
}

function isNull(key: string): PointPredicate<Payload> {
  return (_, payload) => {
    const raw = valueAt(payload, key);
    return raw === null || (Array.isArray(raw) && raw.includes(null));
  };
}

/** A dotted key; walking into an array needs `[]` in Qdrant, so a plain key stops at arrays. */
function valueAt(payload: Payload, key: string): unknown {
  let node: unknown = payload;
  for (const segment of key.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Json)[segment];
  }
  return node;
}

function list(value: unknown): Json[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? (value as Json[]) : [value as Json];
}
