import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Logger, OnApplicationShutdown } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decide, EVENT_SCHEMA_VERSION, organizationStreamId, type EventMetadata } from '@roster/domain';
import {
  EVENT_STORE,
  eventHash,
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '@roster/event-store';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { ProblemException } from '../http/problem';
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
 * The one command path: load the organization (cached fold + the events after it), decide,
 * append with the expected revision, and on a conflict do it all again, a bounded number
 * of times. Refusals append nothing; an Idempotency-Key retry gets the first answer back.
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

  private async decideAndAppend(streamId: string, { command, context, request }: ExecuteOrganizationCommand): Promise<CommandOutcome> {
    const { organizationId } = command.data;
    for (let attempt = 0; ; attempt++) {
      const stream = await this.load(streamId);

      if (request.idempotencyKey !== undefined) {
        const answered = stream.answers.get(answerKey(context.actor.userId, request.idempotencyKey));
        if (answered) {
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

      const events = decide(command, stream.state, context);
      if (events.length === 0) {
        return outcomeOf(command.type, organizationId, stream.revision, stream.position, command.data, false);
      }

      const toAppend = this.chain(stream, events, command.type, context, request);
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
      }
    }
  }

  /** Metadata and the hash chain for the events one command appends. */
  private chain(
    stream: OrganizationStream,
    events: readonly { type: string; data: unknown }[],
    commandName: string,
    context: ExecuteOrganizationCommand['context'],
    request: ExecuteOrganizationCommand['request'],
  ): EventToAppend[] {
    let previousHash = stream.lastHash;
    return events.map((event, index) => {
      const id = randomUUID();
      const revision = stream.revision + 1n + BigInt(index);
      const base: EventMetadata = {
        actor: { userId: context.actor.userId, platformRoles: [...context.actor.platformRoles] },
        occurredAt: context.now.toISOString(),
        correlationId: request.correlationId,
        causationId: request.commandId,
        schemaVersion: EVENT_SCHEMA_VERSION,
        command: commandName,
        ...(request.idempotencyKey !== undefined && request.fingerprint !== undefined
          ? { idempotencyKey: request.idempotencyKey, requestFingerprint: request.fingerprint }
          : {}),
        previousHash,
      };
      const hash = eventHash(previousHash, { streamId: stream.streamId, revision, id, type: event.type, data: event.data, metadata: { ...base } });
      previousHash = hash;
      return { id, type: event.type, data: event.data, metadata: { ...base, hash } };
    });
  }
}
