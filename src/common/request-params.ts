import { Param, ParseUUIDPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';
import { validationFailed } from './validation';

/** A UUID path parameter; anything else is a 400 naming the parameter, before any query runs. */
export const UuidParam = (name: string): ParameterDecorator =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        validationFailed([{ field: name, rules: ['isUUID'], messages: [`${name} must be a UUID`] }]),
    }),
  );

/**
 * Query strings are text: `?hard=true` arrives as 'true'. Maps 'true'/'false' to booleans and leaves
 * anything else for `@IsBoolean()` to reject by name.
 */
export const QueryBoolean = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value));

/**
 * Like `@IsOptional()` but only for an absent field: an explicit null still goes through the
 * field's validators, so a NOT NULL column is rejected by name instead of by the database.
 */
export const IsOmittable = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);
