import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  classifyPostgresError,
  failedStatement,
  type FailedStatement,
  type PostgresFailure,
} from '../database/postgres-errors';
import { constraintViolations } from './constraint-violations';
import { DomainError, statusForCode, type ErrorCode } from './errors';
import { REQUEST_ID_HEADER } from './request-id';

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: ErrorCode;
  message: string;
  request_id: string;
  details?: unknown;
}

/**
 * What a client is told to wait when the database is unavailable: long enough for a restart,
 * a failover or a pooler slot, short enough that a chat reader is not left waiting.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * What a client is told to wait after an embedding provider failed our retries or timed out,
 * unless the provider named its own wait (bounded: a client should not be told to go for hours).
 */
export const EMBEDDING_RETRY_AFTER_SECONDS = 5;
const MAX_UPSTREAM_RETRY_AFTER_SECONDS = 60;

const REASON_PHRASES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function errorBody(
  status: number,
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: unknown,
): ErrorBody {
  return {
    statusCode: status,
    error: REASON_PHRASES[status] ?? 'Error',
    code,
    message,
    request_id: requestId,
    ...(details !== undefined ? { details } : {}),
  };
}

/**
 * Errors Fastify answers before any hook or route runs (a path parameter past `maxParamLength`,
 * a URL that does not decode), in the common body with the request id and its header. The
 * message never echoes the URL (it can be long, and it is the caller's).
 */
export function frameworkError(error: { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const code: ErrorCode = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'URI_TOO_LONG' : 'INVALID_URL';
  const message =
    code === 'URI_TOO_LONG'
      ? 'A path parameter is longer than the server accepts'
      : 'The URL is not valid (a path segment does not decode)';
  const status = statusForCode(code);
  void reply
    .header(REQUEST_ID_HEADER, request.id)
    .status(status)
    .send(errorBody(status, code, message, String(request.id)));
}

/**
 * One error body for every error. Domain errors carry their code; framework and database errors
 * are translated; anything else is a generic 500 whose detail goes to the log, never the client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();

    if (isHealthCheckFailure(exception)) {
      void reply.status(503).send(exception.getResponse());
      return;
    }

    const { code, message, details, status } = this.translate(exception);
    if (status >= 500) {
      this.logger.error(
        { err: exception, request_id: request.id, route: request.routeOptions?.url },
        `${request.method} ${request.routeOptions?.url ?? 'unknown route'} failed: ${code}`,
      );
    }
    const body = errorBody(status, code, message, String(request.id), details);
    if (code === 'DATABASE_UNAVAILABLE') {
      void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    }
    if (code === 'EMBEDDING_UNAVAILABLE' || code === 'EMBEDDING_TIMEOUT') {
      void reply.header('retry-after', String(embeddingRetryAfter(exception)));
    }
    if (code === 'RATE_LIMITED') {
      const retryAfter = (details as { retry_after_seconds?: number } | undefined)?.retry_after_seconds;
      if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    }
    void reply.status(status).send(body);
  }

  private translate(exception: unknown): {
    code: ErrorCode;
    message: string;
    details?: unknown;
    status: number;
  } {
    if (exception instanceof DomainError && exception.upstream) return upstreamFailure(exception);
    if (exception instanceof DomainError) {
      return {
        code: exception.code,
        message: exception.message,
        details: exception.details,
        status: statusForCode(exception.code),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = codeForHttpStatus(status, exception);
      return { code, message: httpMessage(exception), status: statusForCode(code) };
    }
    const failure = classifyPostgresError(exception);
    if (failure === 'unavailable') {
      const code: ErrorCode = 'DATABASE_UNAVAILABLE';
      return { code, message: 'The database is unavailable; try again shortly', status: statusForCode(code) };
    }
    const statement = failedStatement(exception);
    if (statement) return translatePostgresError(statement, failure);
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
      return translateFastifyError(fastifyError);
    }
    return { code: 'INTERNAL_ERROR', message: 'Internal server error', status: 500 };
  }
}

/**
 * A failure another service caused: the client gets our code, which service failed and its HTTP
 * status, never what it said (key fragments, hosts, paths); the log keeps the scrubbed excerpt.
 */
function upstreamFailure(error: DomainError) {
  const { service, status } = error.upstream!;
  return {
    code: error.code,
    message:
      error.code === 'EMBEDDING_TIMEOUT'
        ? `The ${service} did not answer in time`
        : `The ${service} failed${status !== undefined ? ` (HTTP ${status})` : ''}`,
    details: status !== undefined ? { upstream_status: status } : undefined,
    status: statusForCode(error.code),
  };
}

function embeddingRetryAfter(exception: unknown): number {
  const asked = exception instanceof DomainError ? exception.upstream?.retryAfterSeconds : undefined;
  return asked === undefined
    ? EMBEDDING_RETRY_AFTER_SECONDS
    : Math.min(MAX_UPSTREAM_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(asked)));
}

function isHealthCheckFailure(exception: unknown): exception is HttpException {
  if (!(exception instanceof HttpException) || exception.getStatus() !== 503) return false;
  const body = exception.getResponse() as { status?: unknown; details?: unknown };
  return typeof body === 'object' && body.status === 'error' && body.details !== undefined;
}

function codeForHttpStatus(status: number, exception: HttpException): ErrorCode {
  switch (status) {
    case 400:
      return 'VALIDATION_FAILED';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(exception.message)
        ? 'ROUTE_NOT_FOUND'
        : 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED';
  }
}

function httpMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

function translateFastifyError(error: { statusCode?: number; code?: string; message?: string }) {
  const status = error.statusCode ?? 400;
  let code: ErrorCode;
  let message = error.message ?? 'Bad request';
  if (status === 413) {
    code = 'PAYLOAD_TOO_LARGE';
    message = 'Request body is larger than the limit for this route';
  } else if (status === 415) {
    code = 'UNSUPPORTED_MEDIA_TYPE';
  } else if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/i.test(message)) {
    code = 'INVALID_JSON';
    message = 'Request body is not valid JSON';
  } else if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    code = 'INVALID_JSON';
    message = 'Request body is empty but the content type is application/json';
  } else {
    code = 'VALIDATION_FAILED';
  }
  return { code, message, status: statusForCode(code) };
}

/** PostgreSQL failures a request can cause, as client errors that never echo SQL. */
function translatePostgresError(driverError: FailedStatement, failure: PostgresFailure) {
  let code: ErrorCode;
  let message: string;
  switch (failure) {
    case 'unique':
      code = 'DUPLICATE';
      message = 'A resource with the same unique value already exists';
      break;
    case 'foreign_key':
      code = 'REFERENCE_VIOLATION';
      message = 'The request refers to a resource that does not exist, or one still referenced';
      break;
    case 'constraint':
      code = 'CONSTRAINT_VIOLATION';
      message = 'A value breaks a constraint of the data model';
      break;
    case 'timeout':
      code = 'DATABASE_TIMEOUT';
      message = 'The database took too long to answer';
      break;
    default:
      return { code: 'INTERNAL_ERROR' as ErrorCode, message: 'Internal server error', status: 500 };
  }
  // The field and the rule, never the constraint's name (an internal detail of the schema).
  const violations = constraintViolations(driverError, message);
  return {
    code,
    message,
    details: violations.length > 0 ? { fields: violations } : undefined,
    status: statusForCode(code),
  };
}
