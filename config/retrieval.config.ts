import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, IsNumber, Max, Min } from 'class-validator';
import { toInt, toNumber, validateEnv, type Env } from './env';

class RetrievalEnv {
  /** Reciprocal rank fusion constant: 60 is the value of the original paper (Cormack et al., 2009). */
  @Transform(toInt)
  @Min(1)
  @Max(10_000)
  @IsInt()
  RETRIEVAL_RRF_K = 60;

  @Transform(toNumber)
  @Min(0)
  @Max(100)
  @IsNumber()
  RETRIEVAL_WEIGHT_VECTOR = 1;

  @Transform(toNumber)
  @Min(0)
  @Max(100)
  @IsNumber()
  RETRIEVAL_WEIGHT_TEXT = 1;

  /**
   * Candidates taken from each list before fusion in hybrid mode (at least top_k). 30, three times
   * the usual top_k: `npm run eval` scores hybrid the same with 20, 30 and 50 (MRR@10 0.596, 0.595,
   * 0.594), and each candidate costs a re-scored vector, a ranked text row and a row to read.
   */
  @Transform(toInt)
  @Min(1)
  @Max(1_000)
  @IsInt()
  RETRIEVAL_HYBRID_CANDIDATES = 30;

  /** Words of a query the hybrid text leg searches for (OR), so a long query stays cheap. */
  @Transform(toInt)
  @Min(1)
  @Max(256)
  @IsInt()
  RETRIEVAL_TEXT_MAX_TERMS = 16;

  /**
   * Query embeddings kept in memory (LRU, keyed by model and normalised text), so a repeated
   * question costs no provider call; 0 turns the cache off. Each entry is one vector (4 KiB at
   * 1024 dimensions): the default holds ≈ 8 MiB.
   */
  @Transform(toInt)
  @Min(0)
  @Max(1_000_000)
  @IsInt()
  RETRIEVAL_QUERY_CACHE_SIZE = 2_000;

  /**
   * hybrid: full-text matches ranked per request, the first the index yields. Bounds the text
   * leg's cost whatever the corpus size and however common the words (ranking reads each
   * match's tsvector, ≈ 3 µs each for ts_rank_cd); past it, the text list ranks a sample of the
   * matches. A word that alone matches more chunks than this ranks but does not select
   * (src/retrieval/common-terms.ts). 500: on the bench's 10 000 chunks the text top 10 shared
   * 42 % with ranking every match, against 29 % at 250 (and 500 had cut the statement's p50
   * from 7.5 to 5.8 ms against 1 000 on the earlier, uniform-vocabulary corpus).
   */
  @Transform(toInt)
  @Min(1)
  @Max(100_000)
  @IsInt()
  RETRIEVAL_TEXT_MATCH_LIMIT = 500;

  /**
   * Words and operators a hybrid query may hold (more → 400 naming `query`). The statement's
   * cost is bounded by RETRIEVAL_TEXT_MAX_TERMS (the distinct words searched); this refuses what
   * is plainly not a question (a 4 000-character query could carry ~700 terms) instead of
   * silently searching its first words.
   */
  @Transform(toInt)
  @Min(1)
  @Max(1_000)
  @IsInt()
  RETRIEVAL_MAX_QUERY_TERMS = 64;

  /**
   * Longest PostgreSQL may take over a retrieval's one statement before it is cancelled and the
   * request answers 503 DATABASE_TIMEOUT (normal: a few ms). Kept by the client, so it holds
   * through a transaction-mode pooler at no extra round trip; 0 leaves DB_STATEMENT_TIMEOUT_MS.
   */
  @Transform(toInt)
  @Min(0)
  @Max(600_000)
  @IsInt()
  RETRIEVAL_STATEMENT_TIMEOUT_MS = 2_000;

  /** Retrieval log rows waiting to be written; a full queue makes requests wait (never drops). */
  @Transform(toInt)
  @Min(1)
  @Max(1_000_000)
  @IsInt()
  RETRIEVAL_LOG_QUEUE_SIZE = 10_000;

  /**
   * Bytes of retrieval log rows waiting to be written (their JSON size): the memory bound, since
   * rows differ a hundredfold (a selected_text row is ~27 KB). Full → requests wait, as above.
   */
  @Transform(toInt)
  @Min(16_384)
  @Max(4_294_967_296)
  @IsInt()
  RETRIEVAL_LOG_QUEUE_BYTES = 33_554_432;

  /** Rows per multi-row INSERT. */
  @Transform(toInt)
  @Min(1)
  @Max(10_000)
  @IsInt()
  RETRIEVAL_LOG_BATCH_SIZE = 200;

  /** Longest a row waits for its batch to fill before it is written anyway. */
  @Transform(toInt)
  @Min(1)
  @Max(60_000)
  @IsInt()
  RETRIEVAL_LOG_FLUSH_MS = 100;
}

export function loadRetrievalConfig(env: Env = process.env) {
  const v = validateEnv(RetrievalEnv, env);
  return {
    rrfK: v.RETRIEVAL_RRF_K,
    weightVector: v.RETRIEVAL_WEIGHT_VECTOR,
    weightText: v.RETRIEVAL_WEIGHT_TEXT,
    hybridCandidates: v.RETRIEVAL_HYBRID_CANDIDATES,
    textMaxTerms: v.RETRIEVAL_TEXT_MAX_TERMS,
    queryCacheSize: v.RETRIEVAL_QUERY_CACHE_SIZE,
    textMatchLimit: v.RETRIEVAL_TEXT_MATCH_LIMIT,
    maxQueryTerms: v.RETRIEVAL_MAX_QUERY_TERMS,
    statementTimeoutMs: v.RETRIEVAL_STATEMENT_TIMEOUT_MS,
    logQueueSize: v.RETRIEVAL_LOG_QUEUE_SIZE,
    logQueueBytes: v.RETRIEVAL_LOG_QUEUE_BYTES,
    logBatchSize: v.RETRIEVAL_LOG_BATCH_SIZE,
    logFlushMs: v.RETRIEVAL_LOG_FLUSH_MS,
  };
}

export const retrievalConfig = registerAs('retrieval', () => loadRetrievalConfig());
export type RetrievalConfig = ReturnType<typeof loadRetrievalConfig>;
