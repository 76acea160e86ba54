import { HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ProblemException } from './problem';

/** class-validator's constraint names to our per-field codes. */
function fieldErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      code: constraint === 'whitelistValidation' ? 'UNKNOWN_FIELD' : constraint.toUpperCase(),
      message: constraint === 'whitelistValidation' ? `${field} is not a known field` : message,
    }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

/** Request bodies: unknown fields refused, types checked, and every complaint listed by field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const list = fieldErrors(errors);
      return new ProblemException(
        HttpStatus.BAD_REQUEST,
        'VALIDATION.FAILED',
        list.map((e) => e.message).join('; ') || 'The request is not valid',
        list,
      );
    },
  });
}
