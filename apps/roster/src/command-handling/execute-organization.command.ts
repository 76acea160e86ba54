import { Command } from '@nestjs/cqrs';
import type { CommandContext, OrganizationCommand } from '@roster/domain';
import type { TraceContext } from '../observability/request-context';
import type { CommandOutcome } from './organization-stream';

/** What a command carries from its request (HTTP, or a tool's) into the events' metadata. */
export interface CommandRequest {
  /** The command's own id: the causation id of the events it appends. */
  readonly commandId: string;
  /** X-Correlation-Id when given (and sane), else the request's id; echoed in the answer. */
  readonly correlationId: string;
  /** The caller's W3C trace context, recorded in the events' metadata and carried on to Kafka. */
  readonly trace?: TraceContext;
  /** Idempotency-Key header, if any. */
  readonly idempotencyKey?: string;
  /** With an Idempotency-Key: sha256 of method, path, body and caller, telling a true retry from a reused key. */
  readonly fingerprint?: string;
}

/**
 * The one command the bus carries: any organization command, with who sends it and when
 * (context) and what its request adds to the events' metadata. Ids the command creates
 * are already in `command.data`, so a retried decision is the same decision.
 */
export class ExecuteOrganizationCommand extends Command<CommandOutcome> {
  constructor(
    readonly command: OrganizationCommand,
    readonly context: CommandContext,
    readonly request: CommandRequest,
  ) {
    super();
  }
}
