import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

export class FieldErrorSchema {
  @ApiProperty({ example: 'name' }) field!: string;
  @ApiProperty({ example: 'VALIDATION.NAME' }) code!: string;
  @ApiProperty() message!: string;
}

/** application/problem+json, as every error answer. */
export class ProblemSchema {
  @ApiProperty({ example: 'urn:roster:problem:MEMBERSHIP.LAST_ADMIN' }) type!: string;
  @ApiProperty({ example: 'Conflict' }) title!: string;
  @ApiProperty({ example: 409 }) status!: number;
  @ApiProperty({ example: 'MEMBERSHIP.LAST_ADMIN', description: 'Stable machine-readable code' }) code!: string;
  @ApiProperty() detail!: string;
  @ApiPropertyOptional() instance?: string;
  @ApiPropertyOptional({ type: [FieldErrorSchema] }) errors?: FieldErrorSchema[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON, unknown fields, wrong types, over-long text, bad ids or unknown roles',
  401: 'No valid bearer token',
  403: "The caller's role does not allow it",
  404: 'Unknown organization, invitation or request',
  409: "The organization's state refuses it (already a member, last admin, deleted organization, concurrent change)",
  415: 'The body is not application/json',
  422: 'The Idempotency-Key was already used for a different request',
};

/** The error answers of a command route, documented once. */
export function ProblemResponses(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemSchema, FieldErrorSchema),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status],
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemSchema) } } },
      }),
    ),
  );
}

/** Headers and auth every command route takes. */
export function CommandRoute() {
  return applyDecorators(
    ApiBearerAuth(),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Retrying with the same key answers as the first request did, without doing it twice (1-200 printable characters)',
    }),
    ApiHeader({ name: 'X-Correlation-Id', required: false, description: 'Recorded in the events; echoed in the answer' }),
    ProblemResponses(400, 401, 403, 404, 409, 422),
  );
}
