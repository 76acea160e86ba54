import { BadRequestException, HttpStatus, Logger, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { conflict, forbidden, gone, notFound, validation } from '@roster/domain';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '@roster/event-store';
import { ProblemException } from './problem';
import { ProblemDetailsFilter, toProblem } from './problem-details.filter';
import { createValidationPipe } from './validation';
import { IsOptional, IsString, MaxLength } from 'class-validator';

describe('toProblem', () => {
  it.each([
    [validation('VALIDATION.NAME', 'bad name'), 400, 'VALIDATION.NAME'],
    [forbidden('PERMISSION.DENIED', 'no'), 403, 'PERMISSION.DENIED'],
    [notFound('ORGANIZATION.NOT_FOUND', 'none'), 404, 'ORGANIZATION.NOT_FOUND'],
    [conflict('MEMBERSHIP.LAST_ADMIN', 'last admin'), 409, 'MEMBERSHIP.LAST_ADMIN'],
    [gone('ORGANIZATION.DELETED', 'deleted'), 410, 'ORGANIZATION.DELETED'],
  ])('maps the domain refusal %p to its status and code', (error, status, code) => {
    const { problem, unexpected } = toProblem(error, '/organizations/x');
    expect(problem).toEqual({
      type: `urn:roster:problem:${code}`,
      title: expect.any(String),
      status,
      code,
      detail: error.message,
      instance: '/organizations/x',
    });
    expect(unexpected).toBeFalsy();
  });

  it('maps a conflict that outlived the retries to 409 CONCURRENCY.CONFLICT', () => {
    const { problem } = toProblem(new WrongExpectedRevisionError('organization-1', 3n, 4n));
    expect(problem).toMatchObject({ status: 409, code: 'CONCURRENCY.CONFLICT' });
  });

  it('maps a store that cannot write to 503 with its code and Retry-After, and leaks nothing of SQLite', () => {
    const { problem, headers, unexpected } = toProblem(
      new EventStoreUnavailableError('STORE.FULL', 'database or disk is full at /data/events.sqlite', 60),
    );
    expect(problem).toMatchObject({ status: 503, code: 'STORE.FULL' });
    expect(problem.detail).not.toContain('/data');
    expect(headers).toEqual({ 'retry-after': '60' });
    expect(unexpected).toBeFalsy();
  });

  it('keeps a ProblemException as it is, with its field errors and headers', () => {
    const errors = [{ field: 'name', code: 'MAXLENGTH', message: 'too long' }];
    const { problem, headers } = toProblem(
      new ProblemException(HttpStatus.UNAUTHORIZED, 'AUTH.TOKEN_EXPIRED', 'expired', errors, { 'WWW-Authenticate': 'Bearer' }),
    );
    expect(problem).toMatchObject({ status: 401, code: 'AUTH.TOKEN_EXPIRED', detail: 'expired', errors });
    expect(headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
  });

  it.each([
    [{ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }, 400, 'REQUEST.MALFORMED_JSON'],
    [{ code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }, 400, 'REQUEST.MALFORMED_JSON'],
    [{ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE'],
    [{ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }, 413, 'REQUEST.BODY_TOO_LARGE'],
  ])('maps the Fastify error %p', (fields, status, code) => {
    const error = Object.assign(new Error('fastify says'), fields);
    expect(toProblem(error).problem).toMatchObject({ status, code });
  });

  it('maps a JSON SyntaxError from the body parser to REQUEST.MALFORMED_JSON', () => {
    const error = Object.assign(new SyntaxError('Unexpected end of JSON input'), { statusCode: 400 });
    expect(toProblem(error).problem).toMatchObject({ status: 400, code: 'REQUEST.MALFORMED_JSON' });
  });

  it('maps an unknown route to 404 ROUTE.NOT_FOUND and other HTTP errors by status', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x')).problem).toMatchObject({ status: 404, code: 'ROUTE.NOT_FOUND' });
    expect(toProblem(new BadRequestException('nope')).problem).toMatchObject({ status: 400, code: 'HTTP.400', detail: 'nope' });
  });

  it('answers anything else with a bare 500 that leaks nothing', () => {
    const { problem, unexpected } = toProblem(new Error('SQLITE_CORRUPT at /secret/path/events.sqlite'));
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(JSON.stringify(problem)).not.toContain('secret');
    expect(unexpected).toBe(true);
  });
});

describe('ProblemDetailsFilter', () => {
  it('sends application/problem+json with the status and headers', () => {
    const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
    const reply = {
      sent: false,
      status(code: number) {
        sent.status = code;
        return this;
      },
      header(name: string, value: string) {
        sent.headers[name] = value;
        return this;
      },
      send(body: unknown) {
        sent.body = body;
        return this;
      },
    };
    const host = {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => ({ url: '/organizations', method: 'POST' }), getResponse: () => reply }),
    } as unknown as ArgumentsHost;
    new ProblemDetailsFilter().catch(conflict('MEMBERSHIP.ALREADY_MEMBER', 'already'), host);
    expect(sent.status).toBe(409);
    expect(sent.headers['content-type']).toBe('application/problem+json');
    expect(sent.body).toMatchObject({ code: 'MEMBERSHIP.ALREADY_MEMBER', instance: '/organizations' });
  });

  it("logs an unexpected error with the request's path, never its query (it may carry an e-mail address)", () => {
    const reply = { sent: false, status: () => reply, header: () => reply, send: () => reply };
    const host = {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => ({ url: '/users/u-1/invitations?email=alice%40example.org', method: 'GET' }), getResponse: () => reply }),
    } as unknown as ArgumentsHost;
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      new ProblemDetailsFilter().catch(new Error('boom'), host);
      expect(logged).toHaveBeenCalledTimes(1);
      const line = String(logged.mock.calls[0][0]);
      expect(line).toContain('GET /users/u-1/invitations failed: Error: boom');
      expect(line).not.toContain('alice');
      expect(line).not.toContain('?');
    } finally {
      logged.mockRestore();
    }
  });
});

class ExampleRequest {
  @IsString()
  @MaxLength(3)
  name!: string;

  @IsOptional()
  @IsString()
  description?: string;
}

describe('createValidationPipe', () => {
  const pipe = createValidationPipe();
  const validate = (value: unknown) => pipe.transform(value, { type: 'body', metatype: ExampleRequest });

  it('lists wrong types and over-long strings by field, as 400 VALIDATION.FAILED', async () => {
    const error = await validate({ name: 'too long', description: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemException);
    const { problem } = toProblem(error);
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'name', code: 'MAXLENGTH' }),
        expect.objectContaining({ field: 'description', code: 'ISSTRING' }),
      ]),
    );
  });

  it('refuses unknown fields', async () => {
    const error = await validate({ name: 'ok', role: 'admin' }).catch((e: unknown) => e);
    expect(toProblem(error).problem.errors).toEqual([{ field: 'role', code: 'UNKNOWN_FIELD', message: 'role is not a known field' }]);
  });

  it('lets a valid body through as the DTO class', async () => {
    await expect(validate({ name: 'ok' })).resolves.toBeInstanceOf(ExampleRequest);
  });
});
