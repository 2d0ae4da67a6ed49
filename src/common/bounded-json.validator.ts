import { applyDecorators } from '@nestjs/common';
import { IsArray, IsObject, ValidateBy, buildMessage } from 'class-validator';

export const MAX_JSON_BYTES = 16 * 1024;
export const MAX_JSON_DEPTH = 5;

export interface BoundedJsonOptions {
  /** `object` (the default) for a JSON object, `array` for a JSON array. */
  kind?: 'object' | 'array';
  maxBytes?: number;
  maxDepth?: number;
}

/**
 * A caller-supplied jsonb value (metadata, preferences, source lists): an object or an array,
 * at most `maxBytes` serialized and `maxDepth` levels deep, so a client cannot store megabytes
 * or pathological nesting in a column we read back on hot paths. Each bound is its own rule.
 */
export function BoundedJson(options: BoundedJsonOptions = {}): PropertyDecorator {
  const maxBytes = options.maxBytes ?? MAX_JSON_BYTES;
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  return applyDecorators(
    options.kind === 'array' ? IsArray() : IsObject(),
    ValidateBy({
      name: 'maxJsonBytes',
      constraints: [maxBytes],
      validator: {
        validate: (value) => jsonBytes(value) <= maxBytes,
        defaultMessage: buildMessage(
          (prefix) => `${prefix}$property must serialize to at most $constraint1 bytes`,
        ),
      },
    }),
    ValidateBy({
      name: 'maxJsonDepth',
      constraints: [maxDepth],
      validator: {
        validate: (value) => jsonDepth(value) <= maxDepth,
        defaultMessage: buildMessage((prefix) => `${prefix}$property must nest at most $constraint1 levels`),
      },
    }),
  );
}

/**
 * The bounded-JSON rules `value` breaks, for validators that are not class-validator decorators
 * (the ingest batch is checked in one pass): the same bounds and rule names as BoundedJson.
 */
export function jsonBoundsBroken(
  value: unknown,
  maxBytes = MAX_JSON_BYTES,
  maxDepth = MAX_JSON_DEPTH,
): { rule: 'maxJsonBytes' | 'maxJsonDepth'; message: string }[] {
  const broken: { rule: 'maxJsonBytes' | 'maxJsonDepth'; message: string }[] = [];
  if (jsonBytes(value) > maxBytes)
    broken.push({ rule: 'maxJsonBytes', message: `must serialize to at most ${maxBytes} bytes` });
  if (jsonDepth(value) > maxDepth)
    broken.push({ rule: 'maxJsonDepth', message: `must nest at most ${maxDepth} levels` });
  return broken;
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** Depth of nested objects/arrays: `{}` is 1, `{a: {}}` is 2. Iterative, so no stack overflow. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    max = Math.max(max, depth);
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return max;
}
