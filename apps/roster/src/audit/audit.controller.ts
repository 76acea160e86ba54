import { Readable } from 'node:stream';
import { Controller, Get, Headers, Inject, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { AuditSigner } from '@roster/audit';
import { Public } from '../auth/public.decorator';
import { ProblemResponses } from '../http/openapi';
import { AUDIT_SIGNER } from './audit-signing-key';
import { ORGANIZATION_EVENT_TYPES, parseIsoTime, validation, type Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ServiceIdPipe } from '../http/id.pipe';
import { SecuredRoute } from '../http/openapi';
import { HISTORY_MAX_LIMIT, parseHistoryQuery, type AsOfView, type HistoryEntry, type HistoryPage } from '@roster/audit';
import { AS_OF_VIEW, EXPORT_LINE, HISTORY_ENTRY, HISTORY_PAGE, VERIFY_ANSWER } from './audit.schemas';
import { AuditService, signingKeyMissing, type VerifyAnswer } from './audit.service';

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

  @Get(':orgId/export')
  @ApiOperation({
    summary: "A signed export of the organization's record (auditors, superadmins, organization-wide admins)",
    description:
      'NDJSON, streamed: every event as stored (personal fields sealed), one per line in revision order, then a manifest ' +
      "(count, first and last revision and position, the chain's head hash, the export time) signed with the service's " +
      'Ed25519 key. `npm run roster -- verify-export FILE --public-key KEY` checks it with nothing but the file and the ' +
      'key of GET /.well-known/roster-audit-key. Format and hash rule: docs/audit-export.md. A department admin is 403.',
  })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'Event lines, then the signed manifest as the last line', content: { 'application/x-ndjson': { schema: EXPORT_LINE } } })
  @ProblemResponses(503)
  async export(@Param('orgId', ServiceIdPipe) organizationId: string, @CurrentActor() actor: Actor): Promise<StreamableFile> {
    const chunks = await this.audit.export(organizationId, actor);
    // Streamed as read: back-pressure from the socket paces the reads from the store.
    return new StreamableFile(Readable.from(chunks, { objectMode: false }), {
      type: 'application/x-ndjson; charset=utf-8',
      disposition: `attachment; filename="roster-export-${organizationId}.ndjson"`,
    });
  }
}

/** The public half of the key that signs exports and checkpoints, for anyone to check them with. */
@ApiTags('audit')
@Controller('.well-known')
export class AuditKeyController {
  constructor(@Inject(AUDIT_SIGNER) private readonly signer: AuditSigner | null) {}

  @Public()
  @Get('roster-audit-key')
  @ApiOperation({
    summary: "The service's audit public key (Ed25519, PEM SPKI), as `verify-export --public-key` reads it",
    description: 'Save it to a file: `curl -o roster-audit-key.pem …/.well-known/roster-audit-key`.',
  })
  @ApiProduces('application/x-pem-file')
  @ApiOkResponse({ description: '-----BEGIN PUBLIC KEY----- …', content: { 'application/x-pem-file': { schema: { type: 'string' } } } })
  @ProblemResponses(503)
  auditKey(): StreamableFile {
    if (!this.signer) throw signingKeyMissing();
    return new StreamableFile(Buffer.from(this.signer.publicKeyPem, 'utf8'), { type: 'application/x-pem-file' });
  }
}
