import { applyDecorators, HttpStatus, ValidationError, ValidationPipe, type ArgumentMetadata, type ValidationPipeOptions } from '@nestjs/common';
import { ApiProperty, ApiSchema, type ApiPropertyOptions, type ApiSchemaOptions } from '@nestjs/swagger';
import { FIELD_CODES, fieldRefusal, type CommandField } from '@roster/domain';
import { getMetadataStorage, ValidateBy, ValidateIf } from 'class-validator';
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
  const decorator = fieldRuleDecorator(field, { optional, nullable, each, description, example, default: byDefault });
  return (target, property) => {
    if (typeof property === 'string') {
      const rules = FIELD_RULES.get(target.constructor) ?? [];
      FIELD_RULES.set(target.constructor, [...rules, { property, field, optional, nullable, each }]);
    }
    decorator(target, property);
  };
}

function fieldRuleDecorator(field: CommandField, { optional = false, nullable = false, each = false, description, example, default: byDefault }: FieldRuleOptions): PropertyDecorator {
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

/** The FieldRules of a request body class, by the class that declares them. */
interface DeclaredFieldRule {
  readonly property: string;
  readonly field: CommandField;
  readonly optional: boolean;
  readonly nullable: boolean;
  readonly each: boolean;
}

const FIELD_RULES = new WeakMap<object, readonly DeclaredFieldRule[]>();

type BodyCheck = (body: Record<string, unknown>) => boolean;

/**
 * A request body class's FieldRules as one function: true when class-validator, with the
 * pipe's options, would find nothing wrong with `body` (a plain object of plain values).
 * Undefined when the class has anything else to check (another decorator, a list field,
 * a parent class): class-validator judges those. The check only ever says yes to what
 * passes every rule; a no sends the body to class-validator, so every 400 is still its
 * answer, word for word.
 */
function compileBodyCheck(metatype: Function): BodyCheck | undefined {
  const rules = FIELD_RULES.get(metatype);
  if (rules === undefined || rules.length === 0 || rules.some((rule) => rule.each)) return undefined;
  if (Object.getPrototypeOf(metatype) !== Function.prototype) return undefined;
  // FieldRule makes one rule per field, and a condition when it is optional or nullable: nothing else may be declared.
  const declared = getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false);
  const made = rules.reduce((count, rule) => count + (rule.optional || rule.nullable ? 2 : 1), 0);
  if (declared.length !== made) return undefined;
  const byProperty = new Map(rules.map((rule) => [rule.property, rule]));
  return (body) => {
    for (const key in body) {
      if (!Object.hasOwn(body, key) || !byProperty.has(key)) return false;
    }
    for (const rule of rules) {
      const value = body[rule.property];
      if ((rule.optional && value === undefined) || (rule.nullable && value === null)) continue;
      // An object or a list is copied by class-transformer: class-validator judges it.
      if (typeof value === 'object' && value !== null) return false;
      if (fieldRefusal(rule.field, value) !== undefined) return false;
    }
    return true;
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

const BODY_CHECKS = new Map<Function, BodyCheck | undefined>();

/**
 * The request body class's instance, as the validation pipe makes it (a new instance, the
 * body's fields assigned, as class-transformer does), when the body passes the class's
 * compiled FieldRules; undefined when class-validator must judge it.
 */
export function checkedBody(metatype: Function, body: unknown): object | undefined {
  if (!isPlainObject(body)) return undefined;
  if (!BODY_CHECKS.has(metatype)) BODY_CHECKS.set(metatype, compileBodyCheck(metatype));
  return BODY_CHECKS.get(metatype)?.(body) ? Object.assign(new (metatype as new () => object)(), body) : undefined;
}

/**
 * A JSON `null` body is no request body class: class-validator would let it through as an
 * empty one. A body that passes its class's compiled FieldRules becomes the class's
 * instance as class-transformer makes it (a new instance, the body's fields assigned),
 * without class-transformer and class-validator: together they took about 4% of the
 * service's busy time in a profile of bench:commands' peak, and the check cut 5 to 17% of
 * the CPU per command (docs/benchmarks.md, 2026-12-03).
 */
class BodyValidationPipe extends ValidationPipe {
  constructor(
    options: ValidationPipeOptions,
    private readonly compiled: boolean,
  ) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && value === null) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION.BODY', 'The body must be a JSON object (or absent)');
    }
    if (this.compiled && metadata.type === 'body' && metadata.metatype !== undefined) {
      const checked = checkedBody(metadata.metatype, value);
      if (checked !== undefined) return checked;
    }
    return super.transform(value, metadata);
  }
}

/**
 * Request bodies: unknown fields refused, fields checked by their rule, and every complaint
 * listed by field. `compiledChecks: false` has class-validator judge every body (the tests
 * compare the two).
 */
export function createValidationPipe({ compiledChecks = true }: { compiledChecks?: boolean } = {}): ValidationPipe {
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
  }, compiledChecks);
}
