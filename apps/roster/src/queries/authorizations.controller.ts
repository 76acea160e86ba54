import { Body, Controller, HttpCode, HttpStatus, Injectable, OnModuleInit, Post, UseInterceptors } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACTIONS, DomainError, fieldRefusal, forbidden, isAction, isServiceId, platformRoleAllowing, validPastInstant, type Action, type Actor } from '@roster/domain';
import { AsOfIndex, checkPermissionAt } from '@roster/audit';
import type { PermissionAnswer } from '@roster/read-models';
import { CurrentActor } from '../auth/current-actor.decorator';
import { bearerToken, TokenVerifier } from '../auth/token-verifier';
import { addFastPath } from '../http/fast-path';
import { QueryRoute } from '../http/openapi';
import { ProblemException, type FieldError } from '../http/problem';
import { MinPositionInterceptor } from './min-position.interceptor';
import { batchOf, PERMISSION_ANSWER, PERMISSION_CHECK } from './query.schemas';
import { ReadModelsService } from './read-models.service';
import { RosterMetrics } from '../metrics/roster-metrics';

export const MAX_BATCH_CHECKS = 1000;
const BATCH = batchOf(MAX_BATCH_CHECKS);

interface Check {
  readonly userId: string;
  readonly organizationId: string;
  readonly action: Action;
  /** The resource's department; absent or null: a resource without department. */
  readonly departmentId?: string | null;
  /** A past instant (ISO, normalized): the check answers as it did then. */
  readonly at?: string;
}

/**
 * The permission check for the portal's services: "may user U do action A in organization
 * O?" (optionally: on a resource of department D), answered from the memberships read model
 * by the domain's checkMemberPermission (an unknown or deleted organization answers allowed:
 * false with its reason). Every answer names the member's department (null: none). Platform roles
 * are not applied: a superadmin's token is honoured by the service that holds it. Callers:
 * `service` tokens, superadmins, or a user asking about themself.
 *
 * With `at` (a past instant) the same rule answers from the record folded as of `at`
 * (checkPermissionAt, the as-of index) instead of the read models; auditors may ask it too.
 */
@ApiTags('authorizations')
@QueryRoute(403, 413, 415)
@UseInterceptors(MinPositionInterceptor)
@Controller('authorizations')
export class AuthorizationsController {
  constructor(
    private readonly readModels: ReadModelsService,
    private readonly asOf: AsOfIndex,
    private readonly metrics: RosterMetrics,
  ) {}

  /** The read models' answer now, or the record's at `check.at`. */
  private answer(check: Check): Promise<PermissionAnswer> {
    if (check.at !== undefined) return this.answerAt(check, new Date(check.at));
    return this.readModels.checker.check(check.userId, check.organizationId, check.action, check.departmentId);
  }

  /** A check at a past instant, counted and timed beside the current ones (kind="at"). */
  private async answerAt(check: Check, at: Date): Promise<PermissionAnswer> {
    const observe = this.metrics.permissionCheckAt;
    if (observe === undefined) return checkPermissionAt(this.asOf, check, at);
    const started = performance.now();
    const answer = await checkPermissionAt(this.asOf, check, at);
    observe(answer.allowed, (performance.now() - started) / 1000);
    return answer;
  }

  @Post('check')
  @HttpCode(200)
  @ApiOperation({ summary: 'May this user do this action in this organization?' })
  @ApiBody({ schema: PERMISSION_CHECK })
  @ApiOkResponse({ schema: PERMISSION_ANSWER })
  async check(@Body() body: unknown, @CurrentActor() actor: Actor): Promise<PermissionAnswer> {
    const errors: FieldError[] = [];
    const check = parseCheck(body, '', errors, new Date());
    if (!check) throw new ProblemException(HttpStatus.BAD_REQUEST, errors[0]?.code ?? 'VALIDATION.BODY', 'Invalid permission check', errors);
    authorize(actor, [check]);
    return this.answer(check);
  }

  @Post('check/batch')
  @HttpCode(200)
  @ApiOperation({ summary: `Up to ${MAX_BATCH_CHECKS} checks at once; results in the order asked` })
  @ApiBody({ schema: BATCH.request })
  @ApiOkResponse({ schema: BATCH.answer })
  async batch(@Body() body: unknown, @CurrentActor() actor: Actor) {
    const raw = (body as { checks?: unknown } | null)?.checks;
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_BATCH_CHECKS) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION.CHECKS', `checks must be an array of 1 to ${MAX_BATCH_CHECKS} checks`);
    }
    const errors: FieldError[] = [];
    const now = new Date();
    const checks = raw.map((item, i) => parseCheck(item, `checks[${i}].`, errors, now));
    if (errors.length > 0) throw new ProblemException(HttpStatus.BAD_REQUEST, errors[0].code, 'Invalid permission checks', errors.slice(0, 20));
    const valid = checks as Check[];
    authorize(actor, valid);
    const results = await Promise.all(valid.map(async (check) => ({ ...check, ...(await this.answer(check)) })));
    return { results };
  }
}

const CHECK_PATHS = new Set(['/authorizations/check', '/authorizations/check/batch']);

/**
 * The permission check's hot path, ahead of Nest's guard/interceptor/pipe chain (which cost
 * several times the check itself): a Fastify preHandler on the two check routes answers a
 * valid, authorized request without X-Min-Position straight from the in-process index.
 * Anything else (no or bad token, invalid body, refusal, X-Min-Position, checks read from
 * MongoDB, a check at a past instant) falls through to the controller above, so answers and
 * errors stay identical.
 */
@Injectable()
export class CheckFastPath implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly verifier: TokenVerifier,
    private readonly readModels: ReadModelsService,
  ) {}

  onModuleInit(): void {
    addFastPath(this.adapterHost, (request, reply) =>
      // The raw target, not routeOptions (a getter that builds an object on every call): a
      // check sent with a query string or another spelling takes the controller's path.
      request.method === 'POST' && CHECK_PATHS.has(request.url) && this.answer(request, reply),
    );
  }

  /**
   * True when it sent the answer; false to let the controller handle the request. Synchronous:
   * a token not verified yet goes the controller's way, which verifies it for the next ones.
   */
  private answer(request: FastifyRequest, reply: FastifyReply): boolean {
    const position = this.readModels.indexPosition;
    const checker = this.readModels.checker;
    if (position === undefined || !checker?.answersInProcess || request.headers['x-min-position'] !== undefined) return false;
    const token = bearerToken(request.headers.authorization);
    const actor = token === undefined ? undefined : this.verifier.verifiedActor(token);
    if (!actor) return false;
    const errors: FieldError[] = [];
    const now = new Date();
    let result: unknown;
    if (request.url === '/authorizations/check') {
      const check = parseCheck(request.body, '', errors, now);
      if (!check || check.at !== undefined || !allowedToAsk(actor, [check])) return false;
      result = checker.checkInProcess(check.userId, check.organizationId, check.action, check.departmentId);
    } else {
      const raw = (request.body as { checks?: unknown } | null)?.checks;
      if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_BATCH_CHECKS) return false;
      const checks = raw.map((item, i) => parseCheck(item, `checks[${i}].`, errors, now));
      if (errors.length > 0 || (checks as Check[]).some((c) => c.at !== undefined) || !allowedToAsk(actor, checks as Check[])) return false;
      result = { results: (checks as Check[]).map((c) => ({ ...c, ...checker.checkInProcess(c.userId, c.organizationId, c.action, c.departmentId) })) };
    }
    request.actor = actor;
    reply.header('X-Read-Model-Position', position.toString()).status(200).send(result);
    return true;
  }
}

/** A user asks about themself; about others, a platform role that PLATFORM_ROLE_POLICY lets ask (now, or at a past instant). */
function allowedToAsk(actor: Actor, checks: readonly Check[]): boolean {
  return checks.every(
    (check) => check.userId === actor.userId || platformRoleAllowing(actor.platformRoles, check.at === undefined ? 'permission.check-any-user' : 'permission.check-any-user-at') !== undefined,
  );
}

/** `now`: the clock an `at` may not be after, read once per request. */
function parseCheck(value: unknown, prefix: string, errors: FieldError[], now: Date): Check | undefined {
  const item = (value ?? {}) as Record<string, unknown>;
  const before = errors.length;
  if (typeof value !== 'object' || value === null) {
    errors.push({ field: prefix || 'body', code: 'VALIDATION.BODY', message: 'must be an object' });
    return undefined;
  }
  const badUserId = fieldRefusal('userId', item.userId);
  if (badUserId) errors.push({ field: `${prefix}userId`, code: badUserId.code, message: badUserId.message });
  if (!isServiceId(item.organizationId)) {
    errors.push({ field: `${prefix}organizationId`, code: 'VALIDATION.ID', message: 'an organization id (UUID)' });
  }
  if (!isAction(item.action)) {
    errors.push({ field: `${prefix}action`, code: 'AUTHORIZATION.UNKNOWN_ACTION', message: `unknown action; one of ${ACTIONS.join(', ')}` });
  }
  const departmentId = item.departmentId;
  const badDepartment = departmentId === undefined || departmentId === null ? undefined : fieldRefusal('departmentId', departmentId);
  if (badDepartment) errors.push({ field: `${prefix}departmentId`, code: badDepartment.code, message: badDepartment.message });
  let at: string | undefined;
  if (item.at !== undefined) {
    try {
      at = validPastInstant(item.at, now).toISOString();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      errors.push({ field: `${prefix}at`, code: error.code, message: error.message });
    }
  }
  if (errors.length > before) return undefined;
  const userId = item.userId as string;
  const organizationId = (item.organizationId as string).toLowerCase();
  const action = item.action as Action;
  // A batch result spreads the check, then the answer: its departmentId (the member's) is the one answered.
  return {
    userId,
    organizationId,
    action,
    ...(departmentId === undefined ? {} : { departmentId: departmentId as string | null }),
    ...(at === undefined ? {} : { at }),
  };
}

function authorize(actor: Actor, checks: readonly Check[]): void {
  if (!allowedToAsk(actor, checks)) {
    const past = checks.some((check) => check.at !== undefined && check.userId !== actor.userId);
    throw forbidden('PERMISSION.DENIED', past ? 'Only services, auditors and superadmins check permissions of other users at a past instant' : 'Only services and superadmins check permissions of other users');
  }
}
