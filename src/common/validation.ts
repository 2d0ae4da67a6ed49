import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError, type FieldViolation } from './errors';

/** Flattens nested class-validator errors into one entry per field, with dotted paths. */
export function toFieldViolations(errors: ValidationError[], prefix = ''): FieldViolation[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own: FieldViolation[] = error.constraints
      ? [{ field, rules: Object.keys(error.constraints), messages: Object.values(error.constraints) }]
      : [];
    return [...own, ...toFieldViolations(error.children ?? [], field)];
  });
}

export function validationFailed(violations: FieldViolation[]): DomainError {
  const summary = violations
    .slice(0, 10)
    .map((v) => v.messages.join(', '))
    .join('; ');
  const more = violations.length > 10 ? ` (and ${violations.length - 10} more)` : '';
  return new DomainError('VALIDATION_FAILED', `${summary}${more}`, violations);
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(toFieldViolations(errors)),
  });
}
