import { createParamDecorator, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError, type FieldViolation } from '../common/errors';
import { createValidationPipe, validationFailed } from '../common/validation';
import { IngestRequestDto } from './dto/ingest-request.dto';

/**
 * The request body as parsed, untouched by the global ValidationPipe (which skips custom
 * parameter decorators): IngestRequestPipe validates it instead.
 */
export const IngestBody = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown =>
    context.switchToHttp().getRequest<FastifyRequest>().body,
);

/**
 * The global ValidationPipe, minus the embeddings. A batch of 500 chunks carries half a million
 * numbers, and the generic pipeline walks every one of them several times (gap closing, prototype
 * stripping, class-transformer's element-by-element copy, the binary-value scan): most of a
 * batch's CPU on the main thread. The embeddings are taken off the body, the rest is validated by
 * the same pipe as every other route, and the embeddings go back as parsed: `validateBatch` checks
 * their size, values and norm in one pass. A non-array embedding is reported with the DTO's own
 * violations, so one 400 still names every bad field.
 */
@Injectable()
export class IngestRequestPipe implements PipeTransform<unknown, Promise<IngestRequestDto>> {
  private readonly validation = createValidationPipe();

  async transform(body: unknown): Promise<IngestRequestDto> {
    const embeddings = detachEmbeddings(body);
    const notArrays: FieldViolation[] = embeddings.flatMap((embedding, index) =>
      embedding === undefined || Array.isArray(embedding)
        ? []
        : [
            {
              field: `chunks.${index}.embedding`,
              rules: ['isArray'],
              messages: [`chunks.${index}.embedding must be an array of numbers`],
            },
          ],
    );
    let request: IngestRequestDto;
    try {
      request = (await this.validation.transform(body, {
        type: 'body',
        metatype: IngestRequestDto,
      })) as IngestRequestDto;
    } catch (error) {
      if (
        error instanceof DomainError &&
        error.code === 'VALIDATION_FAILED' &&
        Array.isArray(error.details)
      ) {
        throw validationFailed([...(error.details as FieldViolation[]), ...notArrays]);
      }
      throw error;
    }
    if (notArrays.length > 0) throw validationFailed(notArrays);
    request.chunks.forEach((chunk, index) => {
      if (embeddings[index] !== undefined) chunk.embedding = embeddings[index] as number[];
    });
    return request;
  }
}

/** Removes each chunk's `embedding` from the body, returning them by chunk position. */
function detachEmbeddings(body: unknown): unknown[] {
  const chunks = (body as { chunks?: unknown } | null)?.chunks;
  if (!Array.isArray(chunks)) return [];
  return chunks.map((chunk: unknown) => {
    if (typeof chunk !== 'object' || chunk === null || !Object.hasOwn(chunk, 'embedding')) return undefined;
    const { embedding } = chunk as { embedding: unknown };
    delete (chunk as { embedding?: unknown }).embedding;
    return embedding;
  });
}
