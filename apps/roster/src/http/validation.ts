import { applyDecorators, HttpStatus, ValidationError, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { ApiProperty, ApiSchema, type ApiPropertyOptions, type ApiSchemaOptions } from '@nestjs/swagger';
import { FIELD_CODES, fieldRefusal, type CommandField } from '@roster/domain';
import { ValidateBy, ValidateIf } from 'class-validator';
import { FIELD_SCHEMAS } from './openapi';
import { FieldError, ProblemException } from './problem';

const DOMAIN_CODES: ReadonlySet<string> = new Set(Object.values(FIELD_CODES));

export interface FieldRuleOptions {
  /** An absent field passes (null does not, unless `nullable`). */
  readonly optional?: boolean;
  /** A null that means something (e.g. departmentId null: organization-wide) passes. */
  readonly nullable?: boolean;
  /** What the field means in this request; the document adds the field's own rule after it. */
  readonly description?: string;
  readonly example?: unknown;
  readonly default?: unknown;
  /** The field is a list of such values, each judged by the rule. */
  readonly each?: boolean;
}

/**
 * A request field, said once: checked by the domain's rule for it (type, length, format,
 * characters) and refused with the field's one code, and described in the OpenAPI document by
 * the field's schema (FIELD_SCHEMAS: the domain's limits and patterns). The DTO says which field
 * it is and what it means there; the domain what is valid. `each`: the field is a list whose
 * every item follows the rule (the DTO then describes the list itself).
 */
export function FieldRule(field: CommandField, { optional = false, nullable = false, each = false, description, example, default: byDefault }: FieldRuleOptions = {}): PropertyDecorator {
  const schema = FIELD_SCHEMAS[field];
  const document = each
    ? applyDecorators()
    : ApiProperty({
        ...(schema as ApiPropertyOptions),
        required: !optional,
        ...(nullable ? { nullable } : {}),
        description: [description, schema.description].filter(Boolean).join('. ') || undefined,
        example,
        default: byDefault,
      } as ApiPropertyOptions);
  const rule = ValidateBy(
    {
      name: FIELD_CODES[field],
      validator: {
        validate: (value: unknown) => fieldRefusal(field, value) === undefined,
        defaultMessage: (args) => fieldRefusal(field, args?.value)?.message ?? `${field} is not valid`,
      },
    },
    { each },
  );
  if (!optional && !nullable) return applyDecorators(document, rule);
  const judged = (value: unknown) => !(optional && value === undefined) && !(nullable && value === null);
  return applyDecorators(document, ValidateIf((_object: object, value: unknown) => judged(value)), rule);
}

/**
 * A request body class: the validation pipe refuses fields it does not declare, and its
 * OpenAPI schema says so (additionalProperties: false). `schema` adds to the class's
 * schema what its properties cannot say (e.g. a oneOf); ApiSchema passes both through.
 */
export const RequestBody = (schema: Record<string, unknown> = {}): ClassDecorator =>
  ApiSchema({ additionalProperties: false, ...schema } as ApiSchemaOptions);

/** class-validator's complaints by field: a domain rule's code as it is, other constraint names upper-cased. */
function fieldErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      code: constraint === 'whitelistValidation' ? 'UNKNOWN_FIELD' : DOMAIN_CODES.has(constraint) ? constraint : constraint.toUpperCase(),
      message: constraint === 'whitelistValidation' ? `${field} is not a known field` : message,
    }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

/** The answer's code: the field's own code when every complaint has that one, else VALIDATION.FAILED. */
function problemCode(errors: readonly FieldError[]): string {
  const codes = new Set(errors.map((error) => error.code));
  const [only] = codes;
  return codes.size === 1 && DOMAIN_CODES.has(only) ? only : 'VALIDATION.FAILED';
}

/** A JSON `null` body is no request body class: class-validator would let it through as an empty one. */
class BodyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && value === null) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION.BODY', 'The body must be a JSON object (or absent)');
    }
    return super.transform(value, metadata);
  }
}

/** Request bodies: unknown fields refused, fields checked by their rule, and every complaint listed by field. */
export function createValidationPipe(): ValidationPipe {
  return new BodyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const list = fieldErrors(errors);
      return new ProblemException(
        HttpStatus.BAD_REQUEST,
        problemCode(list),
        list.map((e) => e.message).join('; ') || 'The request is not valid',
        list,
      );
    },
  });
}
