import { Inject, Injectable } from '@nestjs/common';
import { forbidden, gone, isAllowed, notFound, organizationStreamId, platformRoleAllowing, type Actor } from '@roster/domain';
import { EVENT_STORE, type EventStore } from '@roster/event-store';
import {
  AsOfIndex,
  asOfView,
  HISTORY_DEFAULT_LIMIT,
  readHistory,
  readHistoryPage,
  verifyStream,
  type AsOfView,
  type ChainFailure,
  type FoldedPoint,
  type HistoryEntry,
  type HistoryPage,
  type HistoryQuery,
} from '@roster/audit';
import { MIN_POSITION_WAIT_MS } from '../queries/min-position.interceptor';
import { ReadModelsService } from '../queries/read-models.service';

const deleted = () => gone('ORGANIZATION.DELETED', 'This organization was deleted; only auditors and superadmins read its history');
const notAllowed = () => forbidden('AUDIT.FORBIDDEN', "Only the organization's admins, auditors and superadmins read its history");

export interface VerifyAnswer {
  readonly organizationId: string;
  readonly events: number;
  readonly valid: boolean;
  readonly firstInvalid?: ChainFailure;
}

/**
 * Who may read an organization's record (`audit.read`): the platform roles that the domain's
 * PLATFORM_ROLE_POLICY grants it (auditor, superadmin) always, also once it is deleted; the
 * organization's current members whose role the permission table allows (its admins) while
 * it is active. Admins of a deleted organization get 410 Gone like its other queries (DESIGN:
 * only auditors and superadmins still read a deleted organization's history). Members and
 * outsiders: 403. An unknown organization is a 404 for everyone.
 */
@Injectable()
export class AuditService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly readModels: ReadModelsService,
    /** One index per process (QueriesModule): snapshots are built on first use and extended as events arrive. */
    readonly index: AsOfIndex,
  ) {}

  /** The organization's current state, once the actor is known to be allowed. */
  async authorize(organizationId: string, actor: Actor): Promise<FoldedPoint> {
    const platform = platformRoleAllowing(actor.platformRoles, 'audit.read');
    // Checked before anything is read or folded: a stranger's request loads nothing.
    if (!platform) await this.refuseWithoutFolding(organizationId, actor);
    const current = await this.index.current(organizationId);
    if (current.revision < 0) throw notFound('ORGANIZATION.NOT_FOUND', `Organization ${organizationId} does not exist`);
    if (platform) return current;
    // The record itself decides: the read models may lag behind a demotion.
    if (current.state.status === 'deleted') throw deleted();
    if (!isAllowed(current.state.members.get(actor.userId)?.role, 'audit.read')) throw notAllowed();
    return current;
  }

  /**
   * Refuses a caller without a platform grant from the read models (the membership index),
   * before the stream is read. When they say no, they are first brought up to the store's
   * head (a member promoted a moment ago is not refused); if they cannot get there in time,
   * the record decides instead.
   */
  private async refuseWithoutFolding(organizationId: string, actor: Actor): Promise<void> {
    const refusal = async () => {
      const organization = await this.readModels.queries.organization(organizationId);
      if (!organization) return notFound('ORGANIZATION.NOT_FOUND', `Organization ${organizationId} does not exist`);
      if (organization.status === 'deleted') return deleted();
      const { allowed } = await this.readModels.checker.check(actor.userId, organizationId, 'audit.read');
      return allowed ? undefined : notAllowed();
    };
    if ((await refusal()) === undefined) return;
    if (!(await this.readModels.waitForPosition(await this.store.headPosition(), MIN_POSITION_WAIT_MS))) return;
    const error = await refusal();
    if (error) throw error;
  }

  async historyPage(organizationId: string, actor: Actor, query: HistoryQuery): Promise<HistoryPage> {
    await this.authorize(organizationId, actor);
    return readHistoryPage(this.store, organizationId, query.filter, query.fromRevision, query.limit ?? HISTORY_DEFAULT_LIMIT);
  }

  /** Every matching event, read lazily page by page (for NDJSON export); authorize first. */
  async *historyEntries(organizationId: string, query: HistoryQuery): AsyncGenerator<HistoryEntry> {
    let left = query.limit ?? Number.POSITIVE_INFINITY;
    if (left <= 0) return;
    for await (const entry of readHistory(this.store, organizationId, query.filter, query.fromRevision)) {
      yield entry;
      if (--left <= 0) return;
    }
  }

  async asOf(organizationId: string, actor: Actor, at: Date): Promise<AsOfView> {
    await this.authorize(organizationId, actor);
    return asOfView(organizationId, at, await this.index.asOf(organizationId, at));
  }

  async verify(organizationId: string, actor: Actor): Promise<VerifyAnswer> {
    await this.authorize(organizationId, actor);
    const result = await verifyStream(this.store, organizationStreamId(organizationId));
    // What the index folded may be the altered record: fold again from the store next time.
    if (!result.valid) this.index.forget(organizationId);
    const { streamId: _streamId, ...rest } = result;
    return { organizationId, ...rest };
  }
}
