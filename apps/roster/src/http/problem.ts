import { HttpStatus } from '@nestjs/common';

/** One field's complaint in a 400 answer. */
export interface FieldError {
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

/** The body of every error answer (RFC 9457, application/problem+json), with a stable `code`. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
}

/**
 * An error the HTTP layer raises itself (auth, validation, idempotency), already carrying
 * its status and code. Domain refusals stay DomainError; the filter maps both.
 */
export class ProblemException extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    detail: string,
    readonly errors?: readonly FieldError[],
    /** Extra response headers, e.g. WWW-Authenticate on a 401. */
    readonly headers?: Readonly<Record<string, string>>,
    /** RFC 9457 extension members beside the standard ones (e.g. /health/ready's `conditions`). */
    readonly extensions?: Readonly<Record<string, unknown>>,
  ) {
    super(detail);
    this.name = 'ProblemException';
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** `type` of a problem: a stable URN per code, documented by its `title`. */
export const problemType = (code: string): string => `urn:roster:problem:${code}`;
