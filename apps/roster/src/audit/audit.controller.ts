import { Readable } from 'node:stream';
import { Controller, Get, Headers, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ORGANIZATION_EVENT_TYPES, validation, type Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ServiceIdPipe } from '../http/id.pipe';
import { ProblemResponses } from '../http/openapi';
import { HISTORY_MAX_LIMIT, parseHistoryQuery, parseIsoTime, type AsOfView, type HistoryEntry, type HistoryPage } from '@roster/audit';
import { AuditService, type VerifyAnswer } from './audit.service';

const HISTORY_PARAMS = new Set(['from', 'to', 'type', 'actor', 'cursor', 'limit']);

/** A misspelt filter would silently widen an audit: unknown query parameters are refused. */
function onlyKnownParams(query: Record<string, unknown>, known: ReadonlySet<string>): void {
  const unknown = Object.keys(query).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw validation('VALIDATION.QUERY', `Unknown query parameter ${unknown.join(', ')}; expected ${[...known].join(', ')}`);
  }
}

const wantsNdjson = (accept: string | undefined): boolean => /application\/(x-)?ndjson/i.test(accept ?? '');

async function* ndjson(entries: AsyncIterable<HistoryEntry>): AsyncGenerator<string> {
  for await (const entry of entries) yield `${JSON.stringify(entry)}\n`;
}

@ApiTags('audit')
@Controller('organizations')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get(':orgId/history')
  @ApiOperation({
    summary: "The organization's events in order (admins, auditors, superadmins)",
    description:
      'Filters: from/to (ISO 8601, inclusive, on the event time), type (repeat or comma-separate), actor (user id). ' +
      'Pages of `limit` (default 100) with an opaque `nextCursor`. With `Accept: application/x-ndjson` every matching ' +
      'event is streamed, one JSON object per line (limit, when given, still applies).',
  })
  @ApiProduces('application/json', 'application/x-ndjson')
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'type', required: false, isArray: true, enum: ORGANIZATION_EVENT_TYPES })
  @ApiQuery({ name: 'actor', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: `1 to ${HISTORY_MAX_LIMIT}` })
  @ApiOkResponse({ description: '{ organizationId, events: [...], nextCursor }' })
  @ProblemResponses(400, 401, 403, 404, 410)
  async history(
    @Param('orgId', ServiceIdPipe) organizationId: string,
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<HistoryPage | StreamableFile> {
    onlyKnownParams(query, HISTORY_PARAMS);
    const parsed = parseHistoryQuery(query);
    if (!wantsNdjson(accept)) return this.audit.historyPage(organizationId, actor, parsed);
    await this.audit.authorize(organizationId, actor);
    // Streamed as read: back-pressure from the socket paces the reads from the store.
    const stream = Readable.from(ndjson(this.audit.historyEntries(organizationId, parsed)), { objectMode: false });
    return new StreamableFile(stream, { type: 'application/x-ndjson; charset=utf-8' });
  }

  @Get(':orgId/as-of')
  @ApiOperation({
    summary: "The organization's full state at a moment (admins, auditors, superadmins)",
    description:
      '`at`: ISO 8601 (a date alone is 00:00 UTC). Before the organization was created the answer is 200 with ' +
      '`exists: false`. Invitations listed are those pending and unexpired at `at`.',
  })
  @ApiQuery({ name: 'at', required: true })
  @ApiOkResponse({ description: '{ organizationId, at, exists, status, revision, profile, members, invitations, joinRequests }' })
  @ProblemResponses(400, 401, 403, 404, 410)
  asOf(
    @Param('orgId', ServiceIdPipe) organizationId: string,
    @Query() query: Record<string, unknown>,
    @CurrentActor() actor: Actor,
  ): Promise<AsOfView> {
    onlyKnownParams(query, new Set(['at']));
    if (query.at === undefined || Array.isArray(query.at)) throw validation('VALIDATION.TIME', 'Give exactly one `at` (ISO 8601 time)');
    return this.audit.asOf(organizationId, actor, parseIsoTime(query.at, 'at'));
  }

  @Get(':orgId/verify')
  @ApiOperation({
    summary: "Re-computes the organization's hash chain and names the first event that does not match",
  })
  @ApiOkResponse({ description: '{ organizationId, events, valid, firstInvalid?: { revision, position, id, reason, detail } }' })
  @ProblemResponses(400, 401, 403, 404, 410)
  verify(@Param('orgId', ServiceIdPipe) organizationId: string, @CurrentActor() actor: Actor): Promise<VerifyAnswer> {
    return this.audit.verify(organizationId, actor);
  }
}
