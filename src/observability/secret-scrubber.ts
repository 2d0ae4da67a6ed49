import { readAliased, type Env } from '../../config/env';

/** Variables whose value is a secret by name (`ADMIN_API_KEY`, `QDRANT_READ_API_KEY`, `RAGSTORE_APP_PASSWORD`…). */
const SECRET_NAME = /(KEY|PASSWORD|SECRET|TOKEN)$/;
/** Variables holding a URL whose password is a secret (`DATABASE_URL`, `REDIS_URL`, `NEON_DATABASE_URL`…). */
const URL_NAME = /(URL|CONNECTION_STRING)$/;
/** Shorter values are not worth scrubbing, and would scrub ordinary words. */
const MIN_SECRET_LENGTH = 6;
/** Credentials we never want in a log, configured or not: bearer tokens and our own key format. */
const CREDENTIAL_SHAPES = [/Bearer\s+[^\s"',;)]+/gi, /rsk_[A-Za-z0-9_-]{8,}/g];
export const REDACTED = '[redacted]';

/**
 * Every secret value the environment configures: variables named like a secret (or their
 * `_FILE`), and the password of every URL variable. Read from the environment itself rather than
 * from a list of known settings, so a secret added later is scrubbed without anyone remembering to.
 */
export function configuredSecrets(env: Env = process.env): string[] {
  const values = new Set<string>();
  for (const name of Object.keys(env)) {
    const base = name.endsWith('_FILE') ? name.slice(0, -'_FILE'.length) : name;
    let value: string | undefined;
    try {
      value = readAliased(env, [base]).value;
    } catch {
      continue; // an unreadable _FILE: the configuration check reports it
    }
    if (!value) continue;
    if (SECRET_NAME.test(base)) values.add(value);
    if (URL_NAME.test(base)) {
      const password = urlPassword(value);
      if (password) values.add(password);
    }
  }
  return [...values].filter((value) => value.length >= MIN_SECRET_LENGTH);
}

function urlPassword(value: string): string | undefined {
  try {
    const password = new URL(value).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces every configured secret (and anything shaped like a credential) in a text. */
export class SecretScrubber {
  private readonly pattern: RegExp | undefined;

  constructor(secrets: readonly string[]) {
    // Longest first, so a secret containing another is replaced whole.
    const escaped = [...secrets]
      .sort((a, b) => b.length - a.length)
      .flatMap((secret) => [secret, encodeURIComponent(secret)])
      .map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.pattern = escaped.length > 0 ? new RegExp(escaped.join('|'), 'g') : undefined;
  }

  scrub(text: string): string {
    let result = this.pattern ? text.replace(this.pattern, REDACTED) : text;
    for (const shape of CREDENTIAL_SHAPES) result = result.replace(shape, REDACTED);
    return result;
  }
}

let processScrubber: SecretScrubber | undefined;

/** The scrubber for this process's configuration (built on first use). */
export function secretScrubber(): SecretScrubber {
  return (processScrubber ??= new SecretScrubber(configuredSecrets()));
}

/** Rebuilds the process scrubber from the environment (at start-up, once configuration is final). */
export function resetSecretScrubber(env: Env = process.env): SecretScrubber {
  return (processScrubber = new SecretScrubber(configuredSecrets(env)));
}

export const MAX_UPSTREAM_EXCERPT = 300;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]+/g;

/**
 * What an upstream service (Qdrant, the embedding provider) said, fit for a log line and never
 * for a client: secrets scrubbed first (so truncation cannot leave half of one), then bounded,
 * control characters flattened.
 */
export function upstreamExcerpt(text: string, max = MAX_UPSTREAM_EXCERPT): string {
  const flat = secretScrubber().scrub(text).replace(CONTROL_CHARACTERS, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
