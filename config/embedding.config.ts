import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { ConfigValidationError, toInt, validateEnv, type Env } from './env';

export const EMBEDDING_PROVIDERS = ['hashing', 'openai'] as const;
export type EmbeddingProviderKind = (typeof EMBEDDING_PROVIDERS)[number];

class EmbeddingEnv {
  /** `hashing` needs nothing and works offline; `openai` calls an OpenAI-compatible endpoint. */
  @IsIn(EMBEDDING_PROVIDERS)
  EMBEDDING_PROVIDER: EmbeddingProviderKind = 'hashing';

  /** Up to and including the API version, as in OpenAI's SDKs: requests go to `<base>/embeddings`. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
  EMBEDDING_BASE_URL?: string = undefined;

  @IsOptional()
  @IsString()
  @MinLength(1)
  EMBEDDING_MODEL?: string = undefined;

  @IsOptional()
  @IsString()
  @MinLength(1)
  EMBEDDING_API_KEY?: string = undefined;

  @Transform(toInt)
  @Min(100)
  @Max(600_000)
  @IsInt()
  EMBEDDING_TIMEOUT_MS = 10_000;

  /** Retries after the first attempt, on 429, 5xx and network errors only. */
  @Transform(toInt)
  @Min(0)
  @Max(10)
  @IsInt()
  EMBEDDING_MAX_RETRIES = 2;

  /** Texts per provider request when ingest embeds chunks (OpenAI accepts up to 2 048). */
  @Transform(toInt)
  @Min(1)
  @Max(2_048)
  @IsInt()
  EMBEDDING_BATCH_SIZE = 128;

  /** Provider requests in flight at once for one ingest. */
  @Transform(toInt)
  @Min(1)
  @Max(64)
  @IsInt()
  EMBEDDING_CONCURRENCY = 4;
}

export function loadEmbeddingConfig(env: Env = process.env) {
  const v = validateEnv(EmbeddingEnv, env);
  if (v.EMBEDDING_PROVIDER === 'openai' && !v.EMBEDDING_BASE_URL) {
    throw new ConfigValidationError(
      'Invalid configuration: EMBEDDING_BASE_URL is required when EMBEDDING_PROVIDER is openai',
    );
  }
  return {
    provider: v.EMBEDDING_PROVIDER,
    baseUrl: v.EMBEDDING_BASE_URL?.replace(/\/+$/, ''),
    model: v.EMBEDDING_MODEL,
    apiKey: v.EMBEDDING_API_KEY,
    timeoutMs: v.EMBEDDING_TIMEOUT_MS,
    maxRetries: v.EMBEDDING_MAX_RETRIES,
    batchSize: v.EMBEDDING_BATCH_SIZE,
    concurrency: v.EMBEDDING_CONCURRENCY,
  };
}

export const embeddingConfig = registerAs('embedding', () => loadEmbeddingConfig());
export type EmbeddingConfig = ReturnType<typeof loadEmbeddingConfig>;
