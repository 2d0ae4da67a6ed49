import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { toBool, toInt, toNumber, validateEnv, type Env } from './env';

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

  /** A read-only key (or read-only JWT) for the retrieval path; the read-write key then only writes. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  QDRANT_READ_API_KEY?: string = undefined;

  @Transform(toInt)
  @Min(100)
  @Max(600_000)
  @IsInt()
  QDRANT_TIMEOUT_MS = 10_000;

  @Transform(toBool)
  @IsBoolean()
  QDRANT_ALLOW_INSECURE = false;

  /**
   * Points per upsert request. 256 × 1024 float32 values is about 2.5 MB of JSON: well under
   * Qdrant's 32 MB request limit, large enough that the per-request overhead is amortised.
   */
  @Transform(toInt)
  @Min(1)
  @Max(10_000)
  @IsInt()
  QDRANT_UPSERT_BATCH_SIZE = 256;

  /**
   * Bytes of JSON per upsert request at most: Qdrant refuses bodies over `max_request_size_mb`
   * (32 MiB by default) with a 400 that no retry can cure, and a batch of large vectors with long
   * non-Latin text passes that well before QDRANT_UPSERT_BATCH_SIZE points. Half the limit leaves
   * room for a server configured lower and keeps one request's memory bounded.
   */
  @Transform(toInt)
  @Min(65_536)
  @Max(33_554_432)
  @IsInt()
  QDRANT_UPSERT_MAX_BYTES = 16 * 1024 * 1024;

  /**
   * `off` asks Qdrant for uncompressed answers (`accept-encoding: identity`). With gzip, which
   * fetch asks for by default, every answer over about 1 KB stalls ~40 ms on its last piece
   * waiting for a delayed acknowledgement, while the server needs about 1 ms; `on` only pays off
   * on a slow link where bandwidth matters more than latency.
   */
  @IsIn(['off', 'on'])
  QDRANT_COMPRESSION: 'off' | 'on' = 'off';

  /**
   * HNSW graph degree. Qdrant's own default: recall above 0.99 at top-10 for a book-sized
   * collection (tens of thousands of chunks); raise it only for millions of points.
   */
  @Transform(toInt)
  @Min(4)
  @Max(128)
  @IsInt()
  QDRANT_HNSW_M = 16;

  /** HNSW build-time beam width. Qdrant's default; higher builds slower for little recall here. */
  @Transform(toInt)
  @Min(4)
  @Max(1_000)
  @IsInt()
  QDRANT_HNSW_EF_CONSTRUCT = 100;

  /**
   * `int8` scalar quantization cuts vector memory by 4× at a small recall cost. Off by default:
   * a book's vectors fit in memory unquantized, and exact scores keep results comparable with
   * the embedded store.
   */
  @IsIn(['none', 'int8'])
  QDRANT_QUANTIZATION: 'none' | 'int8' = 'none';

  /**
   * Search-time HNSW beam width, sent with every search. Unset, Qdrant falls back to the
   * collection's ef_construct (100), and it never searches a beam narrower than the limit. 128,
   * the value of Qdrant's own search-parameter examples, is over twice the largest limit
   * retrieval asks for by default (top_k ≤ 50 plus 5, or 50 hybrid candidates); the work per
   * search grows about linearly with it. Raise it only if the benchmark's Qdrant recall@10 falls
   * below 0.98.
   */
  @Transform(toInt)
  @Min(4)
  @Max(1_000)
  @IsInt()
  QDRANT_SEARCH_HNSW_EF = 128;

  /**
   * With int8 quantization, searches send `rescore: true` and this oversampling: the quantized
   * vectors preselect limit × oversampling candidates, and the original vectors re-rank them, so
   * a hit that int8 rounding ranks just below the limit is still found. Qdrant's default, 1,
   * only re-ranks the hits it already picked; 2 doubles a cheap preselection.
   */
  @Transform(toNumber)
  @Min(1)
  @Max(16)
  @IsNumber()
  QDRANT_SEARCH_OVERSAMPLING = 2;

  /**
   * What start-up does when the collection exists with another size or distance: `fail` stops
   * the boot; `warn` starts anyway (the store reports size_mismatch and refuses its reads and
   * writes). `vectors:rebuild` runs with `warn`, because replacing such a collection is its job.
   */
  @IsIn(['fail', 'warn'])
  QDRANT_ON_MISMATCH: 'fail' | 'warn' = 'fail';
}

export function loadQdrantConfig(env: Env = process.env) {
  const v = validateEnv(QdrantEnv, env);
  return {
    url: qdrantUrl(v),
    apiKey: v.QDRANT_API_KEY,
    readApiKey: v.QDRANT_READ_API_KEY,
    timeoutMs: v.QDRANT_TIMEOUT_MS,
    allowInsecure: v.QDRANT_ALLOW_INSECURE,
    upsertBatchSize: v.QDRANT_UPSERT_BATCH_SIZE,
    upsertMaxBytes: v.QDRANT_UPSERT_MAX_BYTES,
    compression: v.QDRANT_COMPRESSION,
    hnswM: v.QDRANT_HNSW_M,
    hnswEfConstruct: v.QDRANT_HNSW_EF_CONSTRUCT,
    quantization: v.QDRANT_QUANTIZATION,
    searchHnswEf: v.QDRANT_SEARCH_HNSW_EF,
    searchOversampling: v.QDRANT_SEARCH_OVERSAMPLING,
    onMismatch: v.QDRANT_ON_MISMATCH,
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
