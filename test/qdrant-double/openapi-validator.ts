import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SPEC_PATH = join(__dirname, '..', 'fixtures', 'qdrant', 'openapi-v1.18.3.min.json');

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Record<string, unknown>;
}

export interface Operation {
  id: string;
  method: string;
  template: string;
  pattern: RegExp;
  pathParams: string[];
  params: { spec: Parameter; validate: ValidateFunction }[];
  body?: ValidateFunction;
}

export interface MatchedRequest {
  operation: Operation;
  params: Record<string, string>;
  query: Record<string, unknown>;
}

/** A request the spec rejects, with the status and message Qdrant would answer. */
export class SpecViolation extends Error {
  constructor(
    readonly status: 400 | 422,
    message: string,
  ) {
    super(message);
  }
}

/** Keywords whose failure Qdrant reports as 422 (validator crate), not 400 (serde). */
const RANGE_KEYWORDS = new Set([
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
]);

/**
 * Validates requests against Qdrant's OpenAPI 3.0 spec with ajv. The spec writes "or null" as
 * `nullable: true` (263 times as a bare `{nullable: true}` anyOf branch), which JSON Schema reads
 * as "anything"; it is rewritten to real null types first so optional fields are validated too.
 */
export class OpenApiValidator {
  readonly operations: Operation[] = [];

  constructor(specPath = SPEC_PATH) {
    const spec = JSON.parse(readFileSync(specPath, 'utf8')) as {
      paths: Record<
        string,
        Record<
          string,
          {
            operationId: string;
            parameters?: Parameter[];
            requestBody?: { content: Record<string, { schema: unknown }> };
          }
        >
      >;
      components: { schemas: Record<string, unknown> };
    };
    const ajv = new Ajv({ strict: false, allErrors: false });
    addFormats(ajv, ['uuid', 'date-time', 'uri']);
    for (const name of ['uint', 'uint64', 'uint32', 'uint8']) {
      ajv.addFormat(name, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    }
    ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    for (const name of ['float', 'double']) ajv.addFormat(name, { type: 'number', validate: () => true });
    for (const name of ['partial-date-time', 'binary']) ajv.addFormat(name, () => true);
    ajv.addSchema({ $id: 'qdrant', components: { schemas: withNullTypes(spec.components.schemas) } });

    for (const [template, item] of Object.entries(spec.paths)) {
      const pathParams = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '([^/]+)')}$`);
      for (const [method, op] of Object.entries(item)) {
        const bodySchema = op.requestBody?.content['application/json']?.schema;
        this.operations.push({
          id: op.operationId,
          method: method.toUpperCase(),
          template,
          pattern,
          pathParams,
          params: (op.parameters ?? []).map((p) => ({
            spec: p,
            validate: ajv.compile(withNullTypes(p.schema) as object),
          })),
          body: bodySchema ? ajv.compile(withNullTypes(bodySchema) as object) : undefined,
        });
      }
    }
  }

  /** The operation for a method and path, or null when the spec has none (Qdrant answers 404). */
  match(method: string, path: string, search: URLSearchParams): MatchedRequest | null {
    for (const operation of this.operations) {
      const m = operation.method === method ? operation.pattern.exec(path) : null;
      if (!m) continue;
      const params = Object.fromEntries(
        operation.pathParams.map((name, i) => [name, decodeURIComponent(m[i + 1])]),
      );
      return { operation, params, query: this.checkParameters(operation, params, search) };
    }
    return null;
  }

  checkBody(operation: Operation, body: unknown): void {
    if (!operation.body) return;
    if (body === undefined) throw new SpecViolation(400, 'Json content type error: no JSON body');
    if (!operation.body(body))
      throw violation('Format error in JSON body', 'Validation error in JSON body', operation.body.errors);
  }

  private checkParameters(
    operation: Operation,
    params: Record<string, string>,
    search: URLSearchParams,
  ): Record<string, unknown> {
    const query: Record<string, unknown> = {};
    for (const { spec, validate } of operation.params) {
      const raw = spec.in === 'path' ? params[spec.name] : spec.in === 'query' ? search.get(spec.name) : null;
      if (raw === null || raw === undefined) {
        if (spec.required)
          throw new SpecViolation(400, `Query deserialize error: missing field \`${spec.name}\``);
        continue;
      }
      const value = parseParameter(raw, spec.schema);
      if (!validate(value)) {
        throw violation(
          spec.in === 'path' ? 'Path deserialize error' : 'Query deserialize error',
          `Validation error in ${spec.in} parameters`,
          validate.errors,
          spec.name,
        );
      }
      if (spec.in === 'query') query[spec.name] = value;
    }
    return query;
  }
}

function parseParameter(raw: string, schema: Record<string, unknown>): unknown {
  if (schema.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (schema.type === 'integer' || schema.type === 'number')
    return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  return raw;
}

function violation(
  formatPrefix: string,
  validationPrefix: string,
  errors: ErrorObject[] | null | undefined,
  name = '',
): SpecViolation {
  const first = errors?.[0];
  const where = `${name}${first?.instancePath ?? ''}`.replace(/^\//, '').replace(/\//g, '.');
  const message = `${where ? `${where}: ` : ''}${first?.message ?? 'invalid'}`;
  return first && RANGE_KEYWORDS.has(first.keyword)
    ? new SpecViolation(422, `${validationPrefix}: [${message}]`)
    : new SpecViolation(400, `${formatPrefix}: ${message}`);
}

/** OpenAPI 3.0 `nullable` as JSON Schema, and `$ref`s pointed at the registered components. */
function withNullTypes(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withNullTypes);
  if (node === null || typeof node !== 'object') return node;
  const { nullable, ...rest } = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    // The spec's `uniqueItems` (has_id, match any) stands for a set the server builds while
    // deserializing: duplicates are merged, not refused (`lib/segment/src/types.rs` `HasIdCondition`).
    if (key === 'uniqueItems') continue;
    out[key] =
      key === '$ref' && typeof value === 'string' ? value.replace(/^#/, 'qdrant#') : withNullTypes(value);
  }
  if (nullable !== true) return out;
  if (Object.keys(out).every((key) => key === 'default')) return { type: 'null' };
  if (typeof out.type === 'string') {
    const widened: Record<string, unknown> = { ...out, type: [out.type, 'null'] };
    if (Array.isArray(out.enum)) widened.enum = [...(out.enum as unknown[]), null];
    return widened;
  }
  return { anyOf: [out, { type: 'null' }] };
}
