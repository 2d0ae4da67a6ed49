import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { toBool, toInt, validateEnv, type Env } from './env';

class QdrantEnv {
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+(:\d+)?\/?$/, { message: 'must be an http(s)://host[:port] URL' })
  QDRANT_URL?: string = undefined;

  /** The older specification's form: a host name (or URL) plus QDRANT_PORT. */
  @IsOptional()
  @Matches(/^(https?:\/\/)?[^\s/:]+\/?$/, { message: 'must be a host name, optionally with a scheme' })
  QDRANT_HOST?: string = undefined;

  @Transform(toInt)
  @Min(1)
  @Max(65535)
  @IsInt()
  QDRANT_PORT = 6333;

  @IsOptional()
  @IsString()
  @MinLength(1)
  QDRANT_API_KEY?: string = undefined;

  @Matches(/^[A-Za-z0-9_-]{1,255}$/, { message: 'must be 1-255 letters, digits, _ or -' })
  QDRANT_COLLECTION = 'book_embeddings';

  @Transform(toInt)
  @Min(1)
  @Max(65536)
  @IsInt()
  VECTOR_SIZE = 1024;

  @Transform(toInt)
  @Min(100)
  @Max(600_000)
  @IsInt()
  QDRANT_TIMEOUT_MS = 10_000;

  @Transform(toBool)
  @IsBoolean()
  QDRANT_ALLOW_INSECURE = false;
}

export function loadQdrantConfig(env: Env = process.env) {
  const v = validateEnv(QdrantEnv, env);
  return {
    url: qdrantUrl(v),
    apiKey: v.QDRANT_API_KEY,
    collection: v.QDRANT_COLLECTION,
    vectorSize: v.VECTOR_SIZE,
    timeoutMs: v.QDRANT_TIMEOUT_MS,
    allowInsecure: v.QDRANT_ALLOW_INSECURE,
  };
}

function qdrantUrl(v: QdrantEnv): string | undefined {
  if (v.QDRANT_URL) return v.QDRANT_URL.replace(/\/$/, '');
  if (!v.QDRANT_HOST) return undefined;
  const host = v.QDRANT_HOST.replace(/\/$/, '');
  if (/^https?:\/\//.test(host)) return `${host}:${v.QDRANT_PORT}`;
  // A bare host name is a cloud cluster unless it is this machine: cloud needs TLS.
  const scheme = /^(localhost|127\.|::1)/.test(host) ? 'http' : 'https';
  return `${scheme}://${host}:${v.QDRANT_PORT}`;
}

export const qdrantConfig = registerAs('qdrant', () => loadQdrantConfig());
export type QdrantConfig = ReturnType<typeof loadQdrantConfig>;
