import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../common/errors';
import { EmbeddingProvider } from './embedding-provider';

export interface OpenAiEmbeddingOptions {
  /** Up to and including the API version, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  dimension: number;
  timeoutMs: number;
  /** Retries after the first attempt, on 429, 5xx, timeouts and network errors. */
  maxRetries: number;
  /** First backoff; doubled per retry, with full jitter, capped at 5 s (and by Retry-After). */
  retryBaseMs?: number;
}

interface EmbeddingsResponse {
  data?: { embedding?: unknown; index?: unknown }[];
}

const MAX_BACKOFF_MS = 5_000;

/** A failure worth another attempt; anything else is final. */
class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Any OpenAI-compatible `POST <base>/embeddings` (OpenAI, Azure OpenAI's v1 API, Ollama, vLLM,
 * TEI). Each attempt has its own timeout; 429, 5xx, timeouts and network errors are retried a
 * bounded number of times with exponential backoff. Errors never include the key or the URL's
 * credentials, only the status and the provider's short message.
 */
export class OpenAiEmbeddingProvider extends EmbeddingProvider {
  private readonly logger = new Logger(OpenAiEmbeddingProvider.name);
  readonly model: string;
  readonly dimension: number;

  constructor(private readonly options: OpenAiEmbeddingOptions) {
    super();
    this.model = options.model;
    this.dimension = options.dimension;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const retryBaseMs = this.options.retryBaseMs ?? 200;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(texts);
      } catch (error) {
        if (!(error instanceof RetryableFailure)) throw error;
        if (attempt >= this.options.maxRetries) {
          throw new DomainError(
            'EMBEDDING_UNAVAILABLE',
            `The embedding provider failed after ${attempt + 1} attempt(s): ${error.message}`,
          );
        }
        const backoff = Math.random() * Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** attempt);
        const delay = Math.min(MAX_BACKOFF_MS, Math.max(backoff, error.retryAfterMs ?? 0));
        this.logger.warn(
          `Embedding attempt ${attempt + 1} failed (${error.message}); retrying in ${Math.round(delay)} ms`,
        );
        await sleep(delay);
      }
    }
  }

  private async attempt(texts: string[]): Promise<Float32Array[]> {
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl}/embeddings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.model, input: texts, encoding_format: 'float' }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      throw new RetryableFailure(
        name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : 'unreachable',
      );
    }
    const text = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500) {
      throw new RetryableFailure(
        `HTTP ${response.status}`,
        retryAfterMs(response.headers.get('retry-after')),
      );
    }
    if (!response.ok) {
      throw new DomainError(
        'EMBEDDING_REJECTED',
        `The embedding provider refused the request: HTTP ${response.status} ${providerMessage(text)}`.trim(),
      );
    }
    return parseEmbeddings(text, texts.length);
  }
}

function parseEmbeddings(text: string, expected: number): Float32Array[] {
  let body: EmbeddingsResponse;
  try {
    body = JSON.parse(text) as EmbeddingsResponse;
  } catch {
    throw new DomainError('EMBEDDING_REJECTED', 'The embedding provider answered with invalid JSON');
  }
  const data = Array.isArray(body.data) ? body.data : [];
  const vectors: (Float32Array | undefined)[] = Array.from({ length: expected }, () => undefined);
  data.forEach((item, position) => {
    // `index` says which input an item embeds; servers that omit it answer in input order.
    const index = typeof item.index === 'number' ? item.index : position;
    const values = item.embedding;
    if (
      index >= 0 &&
      index < expected &&
      Array.isArray(values) &&
      values.every((v) => typeof v === 'number')
    ) {
      vectors[index] = Float32Array.from(values);
    }
  });
  const usable = vectors.filter((v): v is Float32Array => v !== undefined);
  if (usable.length !== expected) {
    throw new DomainError(
      'EMBEDDING_REJECTED',
      `The embedding provider returned ${usable.length} usable embedding(s) for ${expected} input(s)`,
    );
  }
  return usable;
}

function retryAfterMs(header: string | null): number | undefined {
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** The provider's own error message, shortened: it may help the operator, and holds no secret of ours. */
function providerMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? `(${message.slice(0, 200)})` : '';
  } catch {
    return '';
  }
}
