import type { FieldViolation } from '../common/errors';
import type { IngestRequestDto } from './dto/ingest-request.dto';
import { jsonBoundsBroken } from '../common/bounded-json.validator';

export interface BatchLimits {
  vectorSize: number;
  maxBatch: number;
  maxTextChars: number;
  maxMetadataBytes: number;
}

/**
 * Checks what the DTO's decorators cannot (or cannot cheaply, for a million numbers): every
 * item of the batch, reporting every bad item by index and rule, so nothing is written unless
 * the whole batch is good.
 */
export function validateBatch(request: IngestRequestDto, limits: BatchLimits): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const add = (field: string, rule: string, message: string) =>
    violations.push({ field, rules: [rule], messages: [message] });

  if (request.chunks.length > limits.maxBatch) {
    add(
      'chunks',
      'maxBatch',
      `chunks must contain at most ${limits.maxBatch} items (got ${request.chunks.length})`,
    );
  }
  const seenIndex = new Map<number, number>();
  const seenId = new Map<string, number>();
  request.chunks.forEach((chunk, position) => {
    const at = `chunks.${position}`;
    const text = chunk.chunk_text.trim();
    if (text.length === 0) add(`${at}.chunk_text`, 'notEmpty', `${at}.chunk_text must not be empty`);
    if (chunk.chunk_text.length > limits.maxTextChars) {
      add(
        `${at}.chunk_text`,
        'maxLength',
        `${at}.chunk_text must be at most ${limits.maxTextChars} characters`,
      );
    }
    const embeddingProblem = checkEmbedding(chunk.embedding, limits.vectorSize);
    if (embeddingProblem)
      add(`${at}.embedding`, embeddingProblem.rule, `${at}.embedding ${embeddingProblem.message}`);
    if (chunk.metadata) {
      for (const { rule, message } of jsonBoundsBroken(chunk.metadata, limits.maxMetadataBytes)) {
        add(`${at}.metadata`, rule, `${at}.metadata ${message}`);
      }
    }
    const index = chunk.chunk_index ?? position;
    const firstIndex = seenIndex.get(index);
    if (firstIndex !== undefined) {
      add(`${at}.chunk_index`, 'uniqueInBatch', `${at}.chunk_index ${index} repeats chunks.${firstIndex}`);
    } else seenIndex.set(index, position);
    if (chunk.chunk_id) {
      const id = chunk.chunk_id.toLowerCase();
      const firstId = seenId.get(id);
      if (firstId !== undefined) {
        add(`${at}.chunk_id`, 'uniqueInBatch', `${at}.chunk_id repeats chunks.${firstId}`);
      } else seenId.set(id, position);
    }
  });
  return violations;
}

/** Dimension, finiteness and a non-zero norm (cosine similarity is undefined for a zero vector). */
export function checkEmbedding(
  embedding: readonly unknown[],
  vectorSize: number,
): { rule: string; message: string } | undefined {
  if (embedding.length !== vectorSize) {
    return {
      rule: 'dimension',
      message: `has ${embedding.length} values; the collection holds ${vectorSize}`,
    };
  }
  let normSquared = 0;
  for (let i = 0; i < embedding.length; i++) {
    const value = embedding[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return { rule: 'finite', message: `value ${i} is not a finite number` };
    }
    normSquared += value * value;
  }
  if (normSquared === 0) return { rule: 'nonZeroNorm', message: 'is all zeros (its norm must be non-zero)' };
  return undefined;
}
