import { Inject, Logger, OnApplicationShutdown } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  decide,
  DomainError,
  organizationStreamId,
  partnerOrganizationFacts,
  partnerOrganizationToLoad,
  withPartnerFacts,
  type OrganizationEvent,
} from '@roster/domain';
import { EVENT_STORE, EventStoreUnavailableError, WrongExpectedRevisionError, type EventStore, type EventToAppend } from '@roster/event-store';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { RosterMetrics, type CommandEnd } from '../metrics/roster-metrics';
import { buildEventsToAppend } from './event-envelope';
import { ExecuteOrganizationCommand } from './execute-organization.command';
import { IdempotencyKeyReusedError } from './idempotency-key-reused.error';
import { KeyedSerializer } from './keyed-serializer';
import { LruCache } from './lru-cache';
import {
  answerKey,
  emptyOrganizationStream,
  foldRecorded,
  outcomeOf,
  type CommandOutcome,
  type OrganizationStream,
} from './organization-stream';
import { conflictRetryDelayMs, retrying, type RetryBudget } from './retry';

/**
 * What an append leaves in the state cache: the fold it was decided on and what it appended,
 * folded only when the organization is used again (an import visits each one once).
 */
interface AppendedOnFold {
  readonly base: OrganizationStream;
  readonly appended: readonly EventToAppend[];
  readonly position: bigint;
  readonly recordedAt: Date;
  /** The store's last hash when it re-linked the chain over sealed personal data. */
  readonly lastHash: string | undefined;
}

type CacheEntry = OrganizationStream | AppendedOnFold;

const revisionOf = (entry: CacheEntry): bigint =>
  'appended' in entry ? entry.base.revision + BigInt(entry.appended.length) : entry.revision;

/** What a command means on one fold of its stream. */
type Decision =
  | { readonly kind: 'append'; readonly events: OrganizationEvent[] }
  /** A no-op or an Idempotency-Key replay: answered without appending. */
  | { readonly kind: 'answer'; readonly outcome: CommandOutcome }
  /** A domain refusal, or an Idempotency-Key reused for another request. */
  | { readonly kind: 'refuse'; readonly error: unknown };

/**
 * The one command path: load the organization, decide, append with the expected revision;
 * around it, a bounded retry on a version conflict that reads afresh what others appended and
 * decides again on that fold (ROSTER_COMMAND_RETRIES attempts at least, more within
 * ROSTER_COMMAND_RETRY_MS: another API worker's queue on the same stream drains meanwhile).
 * Refusals append nothing; an Idempotency-Key retry gets the first answer back. It throws
 * only refusals (DomainError, IdempotencyKeyReusedError) and the conflict that outlived
 * the retries: the HTTP layer maps them, and turns the outcome into an answer.
 */
@CommandHandler(ExecuteOrganizationCommand)
export class ExecuteOrganizationHandler implements ICommandHandler<ExecuteOrganizationCommand, CommandOutcome>, OnApplicationShutdown {
  private readonly logger = new Logger('Commands');
  private readonly cache: LruCache<string, CacheEntry>;
  private readonly serializer = new KeyedSerializer();
  private readonly retryBudget: RetryBudget;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ROSTER_CONFIG) config: RosterConfig,
    // Outside the service (the CLI's import, unit tests): nothing measured.
    private readonly metrics: RosterMetrics = new RosterMetrics(false),
  ) {
    this.cache = new LruCache(config.stateCacheSize);
    this.retryBudget = { retries: config.commandRetries, withinMs: config.commandRetryMs };
  }

  execute(command: ExecuteOrganizationCommand): Promise<CommandOutcome> {
    const streamId = organizationStreamId(command.command.data.organizationId);
    const type = command.command.type;
    const started = performance.now();
    const ended = (end: CommandEnd, code?: string) => this.metrics.commandEnded(type, end, code, (performance.now() - started) / 1000);
    return this.serializer.run(streamId, async () => {
      let attempts = 0;
      try {
        // Only the first attempt may trust the cache: after a conflict, read what others wrote.
        const { end, outcome } = await retrying((attempt) => ((attempts = attempt + 1), this.handle(streamId, command, attempt === 0)), {
          ...this.retryBudget,
          shouldRetry: (error) => {
            const conflict = error instanceof WrongExpectedRevisionError;
            if (conflict) this.metrics.conflictRetried(type);
            return conflict;
          },
          delayMs: conflictRetryDelayMs,
        });
        ended(end);
        return outcome;
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError) {
          this.logger.warn(`${command.command.type} on ${streamId}: still conflicting after ${attempts} attempts in ${Math.round(performance.now() - started)} ms`);
          ended('conflict');
        } else if (error instanceof DomainError || error instanceof IdempotencyKeyReusedError) {
          ended('refused', error.code);
        } else {
          ended('failed', error instanceof EventStoreUnavailableError ? error.code : undefined);
        }
        throw error;
      }
    });
  }

  /** Resolves when every command under way has finished (graceful shutdown). */
  drain(): Promise<void> {
    return this.serializer.drain();
  }

  /** After the HTTP server has drained and before the store closes (it closes last). */
  async onApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /** The organization's folded stream, brought up to date with what any process appended since. */
  async load(streamId: string): Promise<OrganizationStream> {
    const cached = this.cached(streamId);
    let stream = cached ?? emptyOrganizationStream(streamId);
    for await (const event of this.store.readStream(streamId, { fromRevision: stream.revision + 1n })) {
      stream = foldRecorded(stream, event);
    }
    // A read-only load of another organization (its facts) may race with its own commands:
    // never cache an older fold. A stream with no events is cached too, so the command that
    // follows a load (the import's) does not read it again.
    const now = this.cache.get(streamId);
    if (stream !== cached && (now === undefined || stream.revision > revisionOf(now))) this.cache.set(streamId, stream);
    return stream;
  }

  /** The cached fold, with what was appended on it folded in now that it is used again. */
  private cached(streamId: string): OrganizationStream | undefined {
    const entry = this.cache.get(streamId);
    if (entry === undefined || !('appended' in entry)) return entry;
    const { base, appended, position, recordedAt, lastHash } = entry;
    let folded = base;
    for (const [index, event] of appended.entries()) {
      folded = foldRecorded(folded, { ...event, streamId, revision: base.revision + 1n + BigInt(index), position, recordedAt });
    }
    // The store may have re-linked the chain over sealed personal data: its last hash is the next previousHash.
    const stream = lastHash === undefined ? folded : { ...folded, lastHash };
    this.cache.set(streamId, stream);
    return stream;
  }

  /**
   * Load, decide, append. A cached fold is trusted for a decision that appends (the
   * expected revision catches anything another process appended since); an answer that
   * appends nothing is only given on a fold brought up to date first.
   */
  private async handle(streamId: string, command: ExecuteOrganizationCommand, trustCache: boolean): Promise<{ end: CommandEnd; outcome: CommandOutcome }> {
    const cached = trustCache ? this.cached(streamId) : undefined;
    if (trustCache) this.metrics.stateCacheLookedUp(cached !== undefined);
    let stream = cached ?? (await this.load(streamId));
    let facts = this.withOtherFacts(stream, command);
    let decision = decideOn(stream, facts instanceof Promise ? await facts : facts);
    if (decision.kind !== 'append' && cached !== undefined) {
      const loaded = await this.load(streamId);
      if (loaded !== stream) {
        stream = loaded;
        facts = this.withOtherFacts(stream, command);
        decision = decideOn(stream, facts instanceof Promise ? await facts : facts);
      }
    }
    switch (decision.kind) {
      case 'refuse':
        throw decision.error;
      case 'answer':
        return { end: decision.outcome.replayed ? 'replayed' : 'unchanged', outcome: decision.outcome };
      case 'append':
        return { end: 'accepted', outcome: await this.append(stream, decision.events, command) };
    }
  }

  /**
   * A partnership command is decided in the inviting organization's stream on facts of the
   * other organization (its status, the actor's role there): the domain names it, and its
   * stream is folded here, read-only and brought up to date, just before each decision. Only
   * the decided stream is appended to, so a change in the other organization racing with the
   * decision is a known window (DESIGN.md "Partners"); the record names the role it saw.
   * The command as it is, at once, when it needs no other organization (no promise: most commands).
   */
  private withOtherFacts(stream: OrganizationStream, command: ExecuteOrganizationCommand): ExecuteOrganizationCommand | Promise<ExecuteOrganizationCommand> {
    const other = partnerOrganizationToLoad(command.command, stream.state);
    if (other === undefined) return command;
    const withFacts = ({ state }: OrganizationStream) =>
      new ExecuteOrganizationCommand(withPartnerFacts(command.command, partnerOrganizationFacts(other, state, command.context.actor)), command.context, command.request);
    return other === stream.state.id ? withFacts(stream) : this.load(organizationStreamId(other)).then(withFacts);
  }

  /** Appends with the stream's revision as the expected one, and leaves what it appended in the cache, to fold when used. */
  private async append(stream: OrganizationStream, events: OrganizationEvent[], { command, context, request }: ExecuteOrganizationCommand): Promise<CommandOutcome> {
    const toAppend = buildEventsToAppend(stream, events, command.type, context, request);
    const started = performance.now();
    let result;
    try {
      result = await this.store.append(stream.streamId, toAppend, stream.revision < 0n ? 'no_stream' : stream.revision);
    } finally {
      this.metrics.appended((performance.now() - started) / 1000);
    }
    this.cache.set(stream.streamId, { base: stream, appended: toAppend, position: result.position, recordedAt: new Date(), lastHash: result.lastHash });
    return outcomeOf(command.data.organizationId, result.nextExpectedRevision, result.position, events.map((event) => event.data));
  }
}

/** The decision on one fold: an Idempotency-Key replay first, then the domain's decide. */
function decideOn(stream: OrganizationStream, { command, context, request }: ExecuteOrganizationCommand): Decision {
  if (request.idempotencyKey !== undefined) {
    const answered = stream.answers.get(answerKey(context.actor.userId, request.idempotencyKey));
    if (answered) {
      if (answered.fingerprint !== request.fingerprint) return { kind: 'refuse', error: new IdempotencyKeyReusedError() };
      return { kind: 'answer', outcome: { ...answered.outcome, replayed: true } };
    }
  }
  let events: OrganizationEvent[];
  try {
    events = decide(command, stream.state, context);
  } catch (error) {
    return { kind: 'refuse', error };
  }
  if (events.length > 0) return { kind: 'append', events };
  return { kind: 'answer', outcome: outcomeOf(command.data.organizationId, stream.revision, stream.position, [command.data]) };
}
