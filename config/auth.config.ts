import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { DATABASE_URL_ALIASES } from './database.config';
import { ConfigValidationError, isLoopbackHost, readAliased, toInt, validateEnv, type Env } from './env';

class AuthEnv {
  /**
   * `required`: every /v1 route needs an API key. `disabled`: open (development only). Default:
   * required in production or whenever ADMIN_API_KEY is set, disabled otherwise.
   */
  @IsOptional()
  @IsIn(['required', 'disabled'])
  AUTH_MODE?: 'required' | 'disabled' = undefined;

  /** Bootstrap admin key (also ADMIN_API_KEY_FILE); at least 32 characters. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (use `openssl rand -base64 32`)' })
  ADMIN_API_KEY?: string = undefined;

  /** How long a verified key is trusted before it is looked up again (revocation latency). */
  @Transform(toInt)
  @Min(0)
  @Max(3_600_000)
  @IsInt()
  API_KEY_CACHE_MS = 30_000;

  /**
   * Failed key checks one client IP may make per RATE_LIMIT_WINDOW_MS, per process, before its
   * attempts are refused with 429 until the window ends. 0 turns the limit off.
   */
  @Transform(toInt)
  @Min(0)
  @Max(1_000_000)
  @IsInt()
  AUTH_FAILURE_LIMIT = 60;
}

export function loadAuthConfig(env: Env = process.env) {
  const v = validateEnv(AuthEnv, env);
  const production = (env.NODE_ENV ?? 'development') === 'production';
  const mode = v.AUTH_MODE ?? (production || v.ADMIN_API_KEY ? 'required' : 'disabled');
  if (mode === 'disabled' && production) {
    throw new ConfigValidationError(
      'Invalid configuration: AUTH_MODE=disabled is not allowed when NODE_ENV=production',
    );
  }
  const database = readAliased(env, DATABASE_URL_ALIASES).value;
  if (mode === 'disabled' && database && !isLocalDatabase(database)) {
    throw new ConfigValidationError(
      'Invalid configuration: AUTH_MODE=disabled is allowed only with a loopback (or the embedded) database; ' +
        'set ADMIN_API_KEY or AUTH_MODE=required to use a remote DATABASE_URL',
    );
  }
  return {
    required: mode === 'required',
    adminApiKey: v.ADMIN_API_KEY,
    keyCacheMs: v.API_KEY_CACHE_MS,
    failuresPerWindow: v.AUTH_FAILURE_LIMIT,
  };
}

/** Loopback or a Unix socket (no host); an unparsable URL counts as remote (the database config names it). */
function isLocalDatabase(url: string): boolean {
  try {
    const { hostname } = new URL(url);
    return hostname === '' || isLoopbackHost(hostname);
  } catch {
    return false;
  }
}

export const authConfig = registerAs('auth', () => loadAuthConfig());
export type AuthConfig = ReturnType<typeof loadAuthConfig>;
