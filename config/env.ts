import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export type Env = Record<string, string | undefined>;

/** A bad environment: the message names the variable and the rule, never the value. */
export class ConfigValidationError extends Error {
  override readonly name = 'ConfigValidationError';
}

/**
 * Reads the first variable of `names` that is set (aliases from both specifications), also
 * accepting `<NAME>_FILE` for secrets mounted as files (Docker/Kubernetes secrets).
 * Returns the value and the name it came from, so errors can name what the operator set.
 */
export function readAliased(
  env: Env,
  names: readonly string[],
): { value: string | undefined; source: string } {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return { value, source: name };
    const file = env[`${name}_FILE`];
    if (file !== undefined && file !== '') {
      try {
        return { value: readFileSync(file, 'utf8').trim(), source: `${name}_FILE` };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        throw new ConfigValidationError(`${name}_FILE: cannot read the file (${code})`);
      }
    }
  }
  return { value: undefined, source: names[0] };
}

/**
 * Validates one namespace. `schema` declares each setting under its canonical variable name;
 * `aliases` maps a canonical name to the names accepted for it (the canonical one first).
 */
export function validateEnv<T extends object>(
  schema: new () => T,
  env: Env,
  aliases: Record<string, readonly string[]> = {},
): T {
  const plain: Record<string, string> = {};
  const sourceOf: Record<string, string> = {};
  for (const key of Object.keys(new schema())) {
    const { value, source } = readAliased(env, aliases[key] ?? [key]);
    if (value !== undefined) {
      plain[key] = value;
      sourceOf[key] = source;
    }
  }
  const instance = plainToInstance(schema, plain, { exposeDefaultValues: true });
  const errors = validateSync(instance, { forbidUnknownValues: true, stopAtFirstError: true });
  if (errors.length > 0) {
    throw new ConfigValidationError(describe(errors[0], sourceOf));
  }
  return instance;
}

function describe(error: ValidationError, sourceOf: Record<string, string>): string {
  const variable = sourceOf[error.property] ?? error.property;
  const rules = Object.values(error.constraints ?? {}).map((message) =>
    message.replace(error.property, '').trim(),
  );
  return `Invalid configuration: ${variable} ${rules.join('; ') || 'is invalid'}`;
}

/** class-transformer helpers: environment values are strings. */
export const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

export const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;

export const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const normalised = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalised)) return true;
  if (['false', '0', 'no', 'off'].includes(normalised)) return false;
  return value;
};

export const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
