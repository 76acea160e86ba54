import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import {
  DomainError,
  forbidden,
  normalizedEmail,
  organizationStreamId,
  personKeyName,
  platformRoleAllowing,
  readRecordedEvent,
  validErasure,
  type Actor,
  type OrganizationEvent,
} from '@roster/domain';
import { EVENT_STORE, type EventStore, type PersonalDataVault } from '@roster/event-store';
import { CommandSender } from '../command-handling/command-sender';
import type { CommandRequest } from '../command-handling/execute-organization.command';
import type { PersonalData } from '@roster/read-models';
import { ProblemException } from '../http/problem';
import { PERSONAL_DATA_VAULT } from '../infrastructure/infrastructure.module';
import { MIN_POSITION_WAIT_MS } from '../queries/min-position.interceptor';
import { ReadModelsService } from '../queries/read-models.service';

export interface ErasureReport {
  readonly userId: string;
  readonly organizationsLeft: string[];
  readonly invitationsWithdrawn: Array<{ organizationId: string; invitationId: string }>;
  readonly requestsWithdrawn: Array<{ organizationId: string; requestId: string }>;
  readonly partnerInvitationsWithdrawn: Array<{ organizationId: string; partnershipId: string }>;
  readonly organizationsWithoutAdmin: string[];
}

/**
 * Erasure of a person (RGPD article 17, DESIGN.md "Personal data and erasure"): ErasePerson
 * in every organization where the read models show them a member, invited (by user id or
 * by one of `emails`, as a member or as a partner's contact) or requesting to join; then their key is destroyed, last. Each step is
 * idempotent (ErasePerson with nothing left is a no-op), so a retry after a crash midway
 * finishes the job, and a second erasure changes nothing.
 */
@Injectable()
export class ErasureService {
  private readonly logger = new Logger('Erasure');

  constructor(
    private readonly commands: CommandSender,
    private readonly readModels: ReadModelsService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault,
  ) {}

  async erase(userIdGiven: string, emailsGiven: readonly string[] | undefined, actor: Actor, request: CommandRequest): Promise<ErasureReport> {
    // Refused before any organization is touched, by the domain's rule for it.
    const { userId, emails } = validErasure(userIdGiven, [...(emailsGiven ?? []), ...this.ownVerifiedEmail(userIdGiven, actor)], actor);
    await this.readModelsCaughtUp();
    const report: ErasureReport = { userId, organizationsLeft: [], invitationsWithdrawn: [], requestsWithdrawn: [], partnerInvitationsWithdrawn: [], organizationsWithoutAdmin: [] };
    for (const organizationId of await this.readModels.queries.organizationsConcerning(userId, await this.readModels.emailKeyIds(emails))) {
      const appended = await this.eraseIn(organizationId, userId, emails, actor, request);
      for (const event of appended) addToReport(report, event);
    }
    // Last: once the keys are gone, every copy of their personal data in the log reads as erased.
    await this.vault.destroyKey({ kind: 'user', userId });
    for (const email of emails) await this.vault.destroyKey({ kind: 'email', email });
    // Ids only in the log line: the e-mail addresses are personal data.
    this.logger.log(`Erased user ${userId}: ${report.organizationsLeft.length} membership(s) ended, ${report.invitationsWithdrawn.length} invitation(s) and ${report.requestsWithdrawn.length} request(s) and ${report.partnerInvitationsWithdrawn.length} partnership invitation(s) withdrawn`);
    return report;
  }

  /**
   * RGPD article 15: what the read models hold about a person, to them or a superadmin.
   * Invitations to an e-mail address are theirs only when their own token verifies it.
   */
  async personalData(userId: string, actor: Actor): Promise<{ userId: string } & PersonalData> {
    const self = actor.userId === userId;
    if (!self && !platformRoleAllowing(actor.platformRoles, 'person.read')) {
      throw forbidden('PERMISSION.DENIED', "Only the person themself or a superadmin reads a person's data");
    }
    const emails = self ? this.ownVerifiedEmail(userId, actor).map(normalizedEmail) : [];
    return { userId, ...(await this.readModels.queries.personalData(userId, await this.readModels.emailKeyIds(emails))) };
  }

  /** The person's own call also erases the address their token verifies. */
  private ownVerifiedEmail(userId: string, actor: Actor): string[] {
    return actor.userId === userId && actor.emailVerified === true && actor.email !== undefined ? [actor.email] : [];
  }

  /** The organizations are found in the read models: they must have seen every event recorded so far. */
  private async readModelsCaughtUp(): Promise<void> {
    if (await this.readModels.waitForPosition(await this.store.headPosition(), MIN_POSITION_WAIT_MS)) return;
    throw new ProblemException(
      HttpStatus.SERVICE_UNAVAILABLE,
      'READ_MODEL.BEHIND',
      'The read models are behind the event store, so the organizations to erase from are not known yet; retry shortly',
      undefined,
      { 'Retry-After': '1' },
    );
  }

  /** The events command `commandId` appended (a no-op appended none): they carry its id as their causation id. */
  private async appendedBy(commandId: string, organizationId: string, revision: bigint): Promise<OrganizationEvent[]> {
    const from = revision - MOST_EVENTS_OF_AN_ERASURE + 1n;
    const events: OrganizationEvent[] = [];
    for await (const recorded of this.store.readStream(organizationStreamId(organizationId), { fromRevision: from < 0n ? 0n : from })) {
      const read = readRecordedEvent(recorded);
      if (read.causationId === commandId && read.event) events.push(read.event);
    }
    return events;
  }

  private async eraseIn(organizationId: string, userId: string, emails: string[], actor: Actor, request: CommandRequest): Promise<readonly OrganizationEvent[]> {
    // Its own command id per organization; no Idempotency-Key: ErasePerson is idempotent by itself.
    const perOrganization: CommandRequest = { commandId: randomUUID(), correlationId: request.correlationId, ...(request.trace ? { trace: request.trace } : {}) };
    try {
      const outcome = await this.commands.send({ type: 'ErasePerson', data: { organizationId, userId, emails } }, actor, perOrganization);
      return await this.appendedBy(perOrganization.commandId, organizationId, outcome.revision);
    } catch (error) {
      // Deleted since the read models looked: it accepts nothing, and its record is shredded with the key.
      if (error instanceof DomainError && error.code === 'ORGANIZATION.DELETED') return [];
      throw error;
    }
  }
}

/** At most PersonErased and the admin flag: the stream's last two events, those the command caused. */
const MOST_EVENTS_OF_AN_ERASURE = 2n;

function addToReport(report: ErasureReport, event: OrganizationEvent): void {
  if (event.type === 'PersonErased') {
    const { organizationId } = event.data;
    if (event.data.role !== undefined) report.organizationsLeft.push(organizationId);
    for (const invitationId of event.data.invitationIds) report.invitationsWithdrawn.push({ organizationId, invitationId });
    for (const requestId of event.data.requestIds) report.requestsWithdrawn.push({ organizationId, requestId });
    for (const partnershipId of event.data.partnershipIds ?? []) report.partnerInvitationsWithdrawn.push({ organizationId, partnershipId });
  } else if (event.type === 'OrganizationLeftWithoutAdmin') {
    report.organizationsWithoutAdmin.push(event.data.organizationId);
  }
}
