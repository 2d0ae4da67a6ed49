import {
  createParamDecorator,
  Inject,
  Injectable,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { retrievalConfig, vectorsConfig } from '../../config';
import { DomainError, type FieldViolation } from '../common/errors';
import { createValidationPipe, validationFailed } from '../common/validation';
import { RetrieveRequestDto } from './dto/retrieve-request.dto';
import { crossFieldViolations } from './retrieve-request.rules';

/**
 * The request body as parsed, untouched by the global ValidationPipe (which skips custom
 * parameter decorators): RetrieveRequestPipe validates it instead.
 */
export const RetrieveBody = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown =>
    context.switchToHttp().getRequest<FastifyRequest>().body,
);

/**
 * The global ValidationPipe minus `query_vector`, then the rules between fields. A query vector
 * is 1 024 numbers or more, and the generic pipeline walks each of them several times (gap
 * closing, prototype stripping, class-transformer's element-by-element copy, the binary-value
 * scan, the array decorators): ≈ 15 % of a vector retrieval's main-thread CPU. The vector is taken
 * off the body, the rest is validated as on every other route, and the vector goes back as parsed:
 * crossFieldViolations checks its size and values in one pass. A non-array query_vector is
 * reported with the DTO's own violations, so one 400 still names every bad field.
 */
@Injectable()
export class RetrieveRequestPipe implements PipeTransform<unknown, Promise<RetrieveRequestDto>> {
  private readonly validation = createValidationPipe();

  constructor(
    @Inject(vectorsConfig.KEY) private readonly vectors: ConfigType<typeof vectorsConfig>,
    @Inject(retrievalConfig.KEY) private readonly retrieval: ConfigType<typeof retrievalConfig>,
  ) {}

  async transform(body: unknown): Promise<RetrieveRequestDto> {
    const vector = detachQueryVector(body);
    const notArray: FieldViolation[] =
      vector === undefined || Array.isArray(vector)
        ? []
        : [{ field: 'query_vector', rules: ['isArray'], messages: ['query_vector must be an array'] }];
    let request: RetrieveRequestDto;
    try {
      request = (await this.validation.transform(body, {
        type: 'body',
        metatype: RetrieveRequestDto,
      })) as RetrieveRequestDto;
    } catch (error) {
      if (
        error instanceof DomainError &&
        error.code === 'VALIDATION_FAILED' &&
        Array.isArray(error.details)
      ) {
        throw validationFailed([...(error.details as FieldViolation[]), ...notArray]);
      }
      throw error;
    }
    if (notArray.length > 0) throw validationFailed(notArray);
    if (vector !== undefined) request.query_vector = vector as number[];
    const violations = crossFieldViolations(request, this.vectors.vectorSize, this.retrieval.maxQueryTerms);
    if (violations.length > 0) throw validationFailed(violations);
    return request;
  }
}

/** Removes `query_vector` from the body, returning it (undefined when absent). */
function detachQueryVector(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'query_vector')) return undefined;
  const { query_vector } = body as { query_vector: unknown };
  delete (body as { query_vector?: unknown }).query_vector;
  return query_vector;
}
