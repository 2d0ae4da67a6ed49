import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { ErrorBody } from './all-exceptions.filter';
import type { ErrorCode } from './errors';

/** The one error body every route answers with (AllExceptionsFilter). */
export class ErrorResponseDto implements ErrorBody {
  @ApiProperty({ description: 'HTTP status', example: 400 })
  statusCode!: number;

  @ApiProperty({ description: 'HTTP reason phrase', example: 'Bad Request' })
  error!: string;

  @ApiProperty({ description: 'Stable machine-readable code', example: 'VALIDATION_FAILED' })
  code!: ErrorCode;

  @ApiProperty({ description: 'What went wrong, for a person', example: 'top_k must not be greater than 50' })
  message!: string;

  @ApiProperty({ description: 'The request id (also the x-request-id header)' })
  request_id!: string;

  @ApiPropertyOptional({
    description: 'Per-field violations (validation), or other structured detail',
    example: [{ field: 'top_k', rules: ['max'], messages: ['top_k must not be greater than 50'] }],
  })
  details?: unknown;
}

/**
 * The refusals every authenticated route can answer: invalid input, no or an unknown key, a key
 * whose role is too weak (or bound to another user), and a rate limit (with Retry-After).
 */
export const ApiErrorResponses = () =>
  applyDecorators(
    ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid input; details name each field' }),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No API key, or one that is not valid' }),
    ApiForbiddenResponse({
      type: ErrorResponseDto,
      description: 'The key’s role is too weak, or it is bound to another user',
    }),
    ApiTooManyRequestsResponse({
      type: ErrorResponseDto,
      description: 'Rate limit reached; retry after the Retry-After header’s seconds',
    }),
  );
