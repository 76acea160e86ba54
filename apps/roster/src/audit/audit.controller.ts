import { Readable } from 'node:stream';
import { Controller, Get, Headers, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ORGANIZATION_EVENT_TYPES, parseIsoTime, validation, type Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ServiceIdPipe } from '../http/id.pipe';
import { SecuredRoute } from '../http/openapi';
import { HISTORY_MAX_LIMIT, parseHistoryQuery, type AsOfView, type HistoryEntry, type HistoryPage } from '@roster/audit';
import { AS_OF_VIEW, HISTORY_ENTRY, HISTORY_PAGE, VERIFY_ANSWER } from './audit.schemas';
import { AuditService, type VerifyAnswer } from './audit.service';

const ISO_TIME_TEXT = 'ISO 8601 date-time, or a date alone (00:00 UTC); without an offset, UTC';
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
@SecuredRoute(403, 404, 410)
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
  @ApiQuery({ name: 'from', required: false, description: ISO_TIME_TEXT, schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'to', required: false, description: ISO_TIME_TEXT, schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'type', required: false, isArray: true, enum: ORGANIZATION_EVENT_TYPES })
  @ApiQuery({ name: 'actor', required: false, description: 'User id of who did it' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: HISTORY_MAX_LIMIT } })
  @ApiOkResponse({
    description: 'A page of events, or with Accept: application/x-ndjson one event per line',
    content: { 'application/json': { schema: HISTORY_PAGE }, 'application/x-ndjson': { schema: HISTORY_ENTRY } },
  })
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
  @ApiQuery({ name: 'at', required: true, description: ISO_TIME_TEXT, schema: { type: 'string', format: 'date-time' } })
  @ApiOkResponse({ schema: AS_OF_VIEW })
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
  @ApiOkResponse({ schema: VERIFY_ANSWER })
  verify(@Param('orgId', ServiceIdPipe) organizationId: string, @CurrentActor() actor: Actor): Promise<VerifyAnswer> {
    return this.audit.verify(organizationId, actor);
  }
}
