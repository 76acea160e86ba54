import { HttpStatus, Inject, Logger, OnApplicationShutdown } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decide, organizationStreamId } from '@roster/domain';
import { EVENT_STORE, WrongExpectedRevisionError, type EventStore, type RecordedEvent } from '@roster/event-store';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { ProblemException } from '../http/problem';
import { buildEventsToAppend } from './event-envelope';
import { ExecuteOrganizationCommand } from './execute-organization.command';
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

/**
 * The one command path: load the organization (cached fold), decide, append with the
 * expected revision, and on a conflict do it all again, a bounded number of times.
 * A cached fold is trusted for a decision that appends (the expected revision catches
 * anything another process appended since); a refusal, a no-op or an idempotent replay
 * decided on a cached fold is re-checked against the events after it before it is answered.
 * Refusals append nothing; an Idempotency-Key retry gets the first answer back.
 */
@CommandHandler(ExecuteOrganizationCommand)
export class ExecuteOrganizationHandler implements ICommandHandler<ExecuteOrganizationCommand, CommandOutcome>, OnApplicationShutdown {
  private readonly logger = new Logger('Commands');
  private readonly cache: LruCache<string, OrganizationStream>;
  private readonly serializer = new KeyedSerializer();
  private readonly retries: number;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ROSTER_CONFIG) config: RosterConfig,
  ) {
    this.cache = new LruCache(config.stateCacheSize);
    this.retries = config.commandRetries;
  }

  execute(command: ExecuteOrganizationCommand): Promise<CommandOutcome> {
    const streamId = organizationStreamId(command.command.data.organizationId);
    return this.serializer.run(streamId, () => this.decideAndAppend(streamId, command));
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
    const cached = this.cache.get(streamId) ?? emptyOrganizationStream(streamId);
    let stream = cached;
    for await (const event of this.store.readStream(streamId, { fromRevision: cached.revision + 1n })) {
      stream = foldRecorded(stream, event);
    }
    if (stream !== cached) this.cache.set(streamId, stream);
    return stream;
  }

  /** The cached fold without reading the store, or a full load when nothing is cached. */
  private cachedOrLoad(streamId: string): OrganizationStream | Promise<OrganizationStream> {
    return this.cache.get(streamId) ?? this.load(streamId);
  }

  private async decideAndAppend(streamId: string, { command, context, request }: ExecuteOrganizationCommand): Promise<CommandOutcome> {
    const { organizationId } = command.data;
    // Only the first attempt may trust the cache; after a conflict, read what others wrote.
    let verified = false;
    let fresh: OrganizationStream | undefined;
    for (let attempt = 0; ; attempt++) {
      const stream = fresh ?? (verified ? await this.load(streamId) : await this.cachedOrLoad(streamId));
      fresh = undefined;
      // An answer that appends nothing must come from an up-to-date fold: true when the
      // store had more, and the decision is to be taken again on the fresh fold.
      const recheck = async (): Promise<boolean> => {
        if (verified) return false;
        verified = true;
        const loaded = await this.load(streamId);
        if (loaded === stream) return false;
        fresh = loaded;
        return true;
      };

      if (request.idempotencyKey !== undefined) {
        const answered = stream.answers.get(answerKey(context.actor.userId, request.idempotencyKey));
        if (answered) {
          if (await recheck()) continue;
          if (answered.fingerprint !== request.fingerprint) {
            throw new ProblemException(
              HttpStatus.UNPROCESSABLE_ENTITY,
              'IDEMPOTENCY.KEY_REUSED',
              'This Idempotency-Key was already used for a different request',
            );
          }
          return { ...answered.outcome, replayed: true };
        }
      }

      let events: ReturnType<typeof decide>;
      try {
        events = decide(command, stream.state, context);
      } catch (error) {
        if (await recheck()) continue;
        throw error;
      }
      if (events.length === 0) {
        if (await recheck()) continue;
        return outcomeOf(command.type, organizationId, stream.revision, stream.position, command.data, false);
      }

      const toAppend = buildEventsToAppend(stream, events, command.type, context, request);
      try {
        const result = await this.store.append(streamId, toAppend, stream.revision < 0n ? 'no_stream' : stream.revision);
        const recordedAt = new Date();
        let next = stream;
        toAppend.forEach((event, index) => {
          const recorded: RecordedEvent = {
            ...event,
            streamId,
            revision: stream.revision + 1n + BigInt(index),
            position: result.position,
            recordedAt,
          };
          next = foldRecorded(next, recorded);
        });
        this.cache.set(streamId, next);
        const ids = Object.assign({}, ...events.map((event) => event.data)) as unknown;
        return outcomeOf(command.type, organizationId, result.nextExpectedRevision, result.position, ids, true);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (attempt >= this.retries) {
          this.logger.warn(`${command.type} on ${streamId}: still conflicting after ${attempt + 1} attempts`);
          throw error;
        }
        // Another process appended since our read: the next load reads what it wrote.
        verified = true;
      }
    }
  }
}
