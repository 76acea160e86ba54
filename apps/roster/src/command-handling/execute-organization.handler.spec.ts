import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError, EVENT_SCHEMA_VERSION, organizationStreamId, type Actor, type OrganizationCommand } from '@roster/domain';
import {
  eventHash,
  GENESIS_HASH,
  SqliteEventStore,
  WrongExpectedRevisionError,
  type EventStore,
  type RecordedEvent,
} from '@roster/event-store';
import { loadRosterConfig } from '../config/roster-config';
import { toProblem } from '../http/problem-details.filter';
import { ExecuteOrganizationCommand } from './execute-organization.command';
import { ExecuteOrganizationHandler } from './execute-organization.handler';
import { IdempotencyKeyReusedError } from './idempotency-key-reused.error';
import { organizationIdForIdempotencyKey } from './service-ids';

const alice: Actor = { userId: 'alice', email: 'alice@example.org', platformRoles: [] };
const bob: Actor = { userId: 'bob', platformRoles: [] };

function request(overrides: Partial<ExecuteOrganizationCommand['request']> = {}): ExecuteOrganizationCommand['request'] {
  return { commandId: randomUUID(), correlationId: randomUUID(), fingerprint: 'f-' + randomUUID(), ...overrides };
}

function send(handler: ExecuteOrganizationHandler, command: OrganizationCommand, actor = alice, req = request()) {
  return handler.execute(new ExecuteOrganizationCommand(command, { actor, now: new Date('2026-01-10T10:00:00Z') }, req));
}

async function events(store: EventStore, organizationId: string): Promise<RecordedEvent[]> {
  const list: RecordedEvent[] = [];
  for await (const event of store.readStream(organizationStreamId(organizationId))) list.push(event);
  return list;
}

/** A store whose appends another writer races: before each of the first `times` appends, it appends an event itself. */
function racedStore(store: EventStore, times: number) {
  let raced = 0;
  const attempts: bigint[] = [];
  const raced$: EventStore = Object.create(store);
  raced$.append = async (streamId, toAppend, expected) => {
    attempts.push(typeof expected === 'bigint' ? expected : -1n);
    if (raced < times && typeof expected === 'bigint') {
      raced++;
      const organizationId = streamId.replace('organization-', '');
      await store.append(
        streamId,
        [
          {
            id: randomUUID(),
            type: 'OrganizationProfileUpdated',
            data: { organizationId, description: `changed elsewhere ${raced}` },
            metadata: { actor: { userId: 'other' }, occurredAt: new Date().toISOString(), command: 'UpdateOrganizationProfile' },
          },
        ],
        expected,
      );
    }
    return store.append(streamId, toAppend, expected);
  };
  return { store: raced$, attempts };
}

describe('ExecuteOrganizationHandler', () => {
  let dir: string;
  let store: SqliteEventStore;
  /** `retryMs` 0: the retries are counted only (ROSTER_COMMAND_RETRY_MS=0). */
  const config = (retries = 5, retryMs = 0) =>
    loadRosterConfig({
      ROSTER_DATA_DIR: dir,
      ROSTER_DEV_AUTH: '1',
      ROSTER_COMMAND_RETRIES: String(retries),
      ROSTER_COMMAND_RETRY_MS: String(retryMs),
      ROSTER_STATE_CACHE_SIZE: '100',
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roster-handler-'));
    store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function createOrganization(handler: ExecuteOrganizationHandler, organizationId = randomUUID()) {
    await send(handler, { type: 'CreateOrganization', data: { organizationId, name: 'Acme' } });
    return organizationId;
  }

  it('appends the decided events with full metadata and a hash chain', async () => {
    const handler = new ExecuteOrganizationHandler(store, config());
    const organizationId = randomUUID();
    const req = request({ idempotencyKey: 'k-1' });
    const created = await send(handler, { type: 'CreateOrganization', data: { organizationId, name: 'Acme' } }, alice, req);
    expect(created).toMatchObject({ organizationId, revision: 0n, replayed: false });
    const invitationId = randomUUID();
    const invited = await send(handler, {
      type: 'InviteMember',
      data: { organizationId, invitationId, invitee: { userId: 'bob' }, role: 'editor' },
    });
    expect(invited).toMatchObject({ revision: 1n, invitationId });

    const [first, second] = await events(store, organizationId);
    expect(created.position).toBe(first.position);
    expect(invited.position).toBe(second.position);
    expect(first.metadata).toMatchObject({
      actor: { userId: 'alice', platformRoles: [] },
      occurredAt: '2026-01-10T10:00:00.000Z',
      correlationId: req.correlationId,
      causationId: req.commandId,
      schemaVersion: EVENT_SCHEMA_VERSION,
      command: 'CreateOrganization',
      idempotencyKey: 'k-1',
      requestFingerprint: req.fingerprint,
      previousHash: GENESIS_HASH,
    });
    for (const [previous, event] of [
      [GENESIS_HASH, first],
      [first.metadata.hash as string, second],
    ] as const) {
      expect(event.metadata.previousHash).toBe(previous);
      expect(event.metadata.hash).toBe(eventHash(previous, event));
    }
  });

  it('appends nothing for a refusal or a no-op, and answers a no-op 200 with the current revision', async () => {
    const handler = new ExecuteOrganizationHandler(store, config());
    const organizationId = await createOrganization(handler);
    await expect(send(handler, { type: 'ChangeRole', data: { organizationId, userId: 'alice', role: 'editor' } })).rejects.toThrow(
      DomainError,
    );
    const noop = await send(handler, { type: 'ChangeRole', data: { organizationId, userId: 'alice', role: 'admin' } });
    const [created] = await events(store, organizationId);
    expect(noop).toMatchObject({ revision: 0n, position: created.position });
    expect(await events(store, organizationId)).toHaveLength(1);
  });

  it('retries after another writer appended between its read and its append, and succeeds', async () => {
    const organizationId = await createOrganization(new ExecuteOrganizationHandler(store, config()));
    const raced = racedStore(store, 2);
    const handler = new ExecuteOrganizationHandler(raced.store, config(5));
    await handler.load(organizationStreamId(organizationId)); // warm the cache: the races make it stale

    const outcome = await send(handler, { type: 'UpdateOrganizationProfile', data: { organizationId, name: 'Acme 2' } });

    expect(raced.attempts).toEqual([0n, 1n, 2n]);
    expect(outcome).toMatchObject({ revision: 3n });
    const recorded = await events(store, organizationId);
    expect(recorded.map((e) => e.type)).toEqual([
      'OrganizationCreated',
      'OrganizationProfileUpdated',
      'OrganizationProfileUpdated',
      'OrganizationProfileUpdated',
    ]);
    // The retried decision saw the other writer's (unhashed) events: the chain links over them.
    const afterRaces = eventHash(eventHash(recorded[0].metadata.hash as string, recorded[1]), recorded[2]);
    expect(recorded[3].metadata.previousHash).toBe(afterRaces);
  });

  it('gives up after the configured number of retries with the conflict (409)', async () => {
    const organizationId = await createOrganization(new ExecuteOrganizationHandler(store, config()));
    const raced = racedStore(store, 100);
    const handler = new ExecuteOrganizationHandler(raced.store, config(2));
    await handler.load(organizationStreamId(organizationId));

    await expect(send(handler, { type: 'UpdateOrganizationProfile', data: { organizationId, name: 'Acme 2' } })).rejects.toBeInstanceOf(
      WrongExpectedRevisionError,
    );
    expect(raced.attempts).toHaveLength(3);
    expect((await events(store, organizationId)).filter((e) => e.metadata.command === 'UpdateOrganizationProfile' && e.metadata.actor)).toHaveLength(3);
    expect((await events(store, organizationId)).some((e) => (e.data as { name?: string }).name === 'Acme 2')).toBe(false);
  });

  it('keeps deciding again past ROSTER_COMMAND_RETRIES while within ROSTER_COMMAND_RETRY_MS, and records the command once', async () => {
    const organizationId = await createOrganization(new ExecuteOrganizationHandler(store, config()));
    const raced = racedStore(store, 8);
    const handler = new ExecuteOrganizationHandler(raced.store, config(2, 30_000));
    await handler.load(organizationStreamId(organizationId));

    const outcome = await send(handler, { type: 'UpdateOrganizationProfile', data: { organizationId, name: 'Acme 2' } });

    // Eight conflicts, each decided again on the fold with the other writer's event: the ninth attempt appends.
    expect(raced.attempts).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    expect(outcome).toMatchObject({ revision: 9n });
    const recorded = await events(store, organizationId);
    expect(recorded.filter((e) => (e.data as { name?: string }).name === 'Acme 2')).toHaveLength(1);
    expect(recorded).toHaveLength(10);
  });

  it('trusts its cached fold for appends, and reads the events after it (another instance\'s too) before refusing', async () => {
    const reads: bigint[] = [];
    const spied: EventStore = Object.create(store);
    spied.readStream = (streamId, options) => {
      reads.push(options?.fromRevision ?? 0n);
      return store.readStream(streamId, options);
    };
    const handler = new ExecuteOrganizationHandler(spied, config());
    const other = new ExecuteOrganizationHandler(store, config());
    const organizationId = await createOrganization(handler);
    await send(handler, { type: 'UpdateOrganizationProfile', data: { organizationId, description: 'one' } });
    const invitationId = randomUUID();
    await send(other, { type: 'InviteMember', data: { organizationId, invitationId, invitee: { userId: 'bob' }, role: 'member' } });

    // The revocation only succeeds if this handler read the invitation the other one appended:
    // its cached fold refuses, so it reads from revision 2 and decides again. The profile
    // update appended on the cached fold (the expected revision guards it): no read.
    const revoked = await send(handler, { type: 'RevokeInvitation', data: { organizationId, invitationId } });
    expect(revoked.revision).toBe(3n);
    expect(reads).toEqual([0n, 2n]);
  });

  it('reads a stream once for a load and the command after it, a stream with no events too (the import loads, then executes)', async () => {
    const reads: string[] = [];
    const spied: EventStore = Object.create(store);
    spied.readStream = (streamId, options) => {
      reads.push(`${streamId}@${options?.fromRevision ?? 0n}`);
      return store.readStream(streamId, options);
    };
    const handler = new ExecuteOrganizationHandler(spied, config());
    const organizationId = randomUUID();
    const streamId = organizationStreamId(organizationId);
    expect((await handler.load(streamId)).revision).toBe(-1n);
    await createOrganization(handler, organizationId);
    // What the creation appended is folded when the organization is used again.
    const updated = await send(handler, { type: 'UpdateOrganizationProfile', data: { organizationId, description: 'two' } });
    expect(updated.revision).toBe(1n);
    expect((await handler.load(streamId)).state.description).toBe('two');
    expect(reads).toEqual([`${streamId}@0`, `${streamId}@2`]);
  });

  describe('Idempotency-Key', () => {
    it('answers a retry exactly as the first time, without appending twice', async () => {
      const handler = new ExecuteOrganizationHandler(store, config());
      const organizationId = await createOrganization(handler);
      const req = request({ idempotencyKey: 'invite-bob' });
      const command: OrganizationCommand = {
        type: 'InviteMember',
        data: { organizationId, invitationId: randomUUID(), invitee: { userId: 'bob' }, role: 'editor' },
      };
      const first = await send(handler, command, alice, req);
      // A retry carries a new invitation id (made per request): the stored answer wins.
      const retry = await send(
        handler,
        { ...command, data: { ...command.data, invitationId: randomUUID() } } as OrganizationCommand,
        alice,
        { ...req, commandId: randomUUID() },
      );
      expect(retry).toEqual({ ...first, replayed: true });
      expect(await events(store, organizationId)).toHaveLength(2);
    });

    it('answers the same after a restart, from the events alone', async () => {
      const organizationId = organizationIdForIdempotencyKey('alice', 'create-1');
      const req = request({ idempotencyKey: 'create-1' });
      const first = await send(
        new ExecuteOrganizationHandler(store, config()),
        { type: 'CreateOrganization', data: { organizationId, name: 'Acme' } },
        alice,
        req,
      );
      await store.close();
      store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });

      const fresh = new ExecuteOrganizationHandler(store, config());
      const again = await send(fresh, { type: 'CreateOrganization', data: { organizationId, name: 'Acme' } }, alice, req);
      expect(again).toEqual({ ...first, replayed: true });
      expect(again.organizationId).toBe(organizationId);
      expect(await events(store, organizationId)).toHaveLength(1);
    });

    it('refuses the same key with a different request (422 IDEMPOTENCY.KEY_REUSED)', async () => {
      const handler = new ExecuteOrganizationHandler(store, config());
      const organizationId = await createOrganization(handler);
      await send(handler, { type: 'UpdateOrganizationProfile', data: { organizationId, name: 'A' } }, alice, request({ idempotencyKey: 'k', fingerprint: 'one' }));
      const error = await send(
        handler,
        { type: 'UpdateOrganizationProfile', data: { organizationId, name: 'B' } },
        alice,
        request({ idempotencyKey: 'k', fingerprint: 'two' }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
      expect(toProblem(error).problem).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
      expect(await events(store, organizationId)).toHaveLength(2);
    });

    it("keeps each caller's keys apart", async () => {
      const handler = new ExecuteOrganizationHandler(store, config());
      const organizationId = await createOrganization(handler);
      await send(handler, { type: 'InviteMember', data: { organizationId, invitationId: randomUUID(), invitee: { userId: 'bob' }, role: 'member' } });
      const requested = await send(handler, { type: 'RequestJoin', data: { organizationId, requestId: randomUUID() } }, { ...bob, userId: 'carol' }, request({ idempotencyKey: 'same' }));
      const updated = await send(handler, { type: 'UpdateOrganizationProfile', data: { organizationId, name: 'B' } }, alice, request({ idempotencyKey: 'same' }));
      expect(requested.replayed).toBe(false);
      expect(updated.replayed).toBe(false);
    });

    it('does not store a no-op', async () => {
      const handler = new ExecuteOrganizationHandler(store, config());
      const organizationId = await createOrganization(handler);
      const req = request({ idempotencyKey: 'noop' });
      const noop = await send(handler, { type: 'ChangeRole', data: { organizationId, userId: 'alice', role: 'admin' } }, alice, req);
      expect(noop).toMatchObject({ revision: 0n, replayed: false });
      const again = await send(handler, { type: 'ChangeRole', data: { organizationId, userId: 'alice', role: 'admin' } }, alice, req);
      expect(again.replayed).toBe(false);
    });
  });

  it('serialises concurrent commands on one organization inside one process', async () => {
    const handler = new ExecuteOrganizationHandler(store, config(0));
    const organizationId = await createOrganization(handler);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(handler, { type: 'UpdateOrganizationProfile', data: { organizationId, description: `d${i}` } }),
      ),
    );
    expect(outcomes.map((o) => o.revision).sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
  });

  describe('partnerships: decided in A on facts folded from B', () => {
    const carol: Actor = { userId: 'carol', platformRoles: [] };

    async function partnershipInvited(handler: ExecuteOrganizationHandler) {
      const a = await createOrganization(handler);
      const b = randomUUID();
      await send(handler, { type: 'CreateOrganization', data: { organizationId: b, name: 'Partner' } }, carol);
      const partnershipId = randomUUID();
      const invited = await send(handler, { type: 'InvitePartner', data: { organizationId: a, partnershipId, partner: { organizationId: b }, access: 'read' } });
      expect(invited).toMatchObject({ organizationId: a, partnershipId });
      return { a, b, partnershipId };
    }

    it('loads B read-only before the decision: the acceptance records the role folded from B, and B gets no event', async () => {
      const handler = new ExecuteOrganizationHandler(store, config());
      const { a, b, partnershipId } = await partnershipInvited(handler);
      const bBefore = await events(store, b);
      await send(handler, { type: 'AcceptPartnership', data: { organizationId: a, partnershipId } }, carol);
      const last = (await events(store, a)).at(-1)!;
      expect({ type: last.type, data: last.data }).toEqual({
        type: 'PartnershipAccepted',
        data: { organizationId: a, partnershipId, partnerOrganizationId: b, access: 'read', acceptedBy: 'carol', acceptedByRole: 'admin' },
      });
      expect(await events(store, b)).toEqual(bBefore);
    });

    it("reads what another instance appended to B since this one cached it (a demotion in B refuses the acceptance)", async () => {
      const handler = new ExecuteOrganizationHandler(store, config());
      const { a, b, partnershipId } = await partnershipInvited(handler);
      // Another instance makes dave admin of B, then carol steps down: this handler never decided on B since.
      const other = new ExecuteOrganizationHandler(store, config());
      const dave: Actor = { userId: 'dave', platformRoles: [] };
      const invitationId = randomUUID();
      await send(other, { type: 'InviteMember', data: { organizationId: b, invitationId, invitee: { userId: 'dave' }, role: 'admin' } }, carol);
      await send(other, { type: 'AcceptInvitation', data: { organizationId: b, invitationId } }, dave);
      await send(other, { type: 'ChangeRole', data: { organizationId: b, userId: 'carol', role: 'member' } }, dave);
      const aBefore = await events(store, a);
      await expect(send(handler, { type: 'AcceptPartnership', data: { organizationId: a, partnershipId } }, carol)).rejects.toMatchObject({ code: 'PERMISSION.DENIED' });
      expect(await events(store, a)).toHaveLength(aBefore.length);
      await send(handler, { type: 'AcceptPartnership', data: { organizationId: a, partnershipId } }, dave);
      expect((await events(store, a)).at(-1)!.data).toMatchObject({ acceptedBy: 'dave', acceptedByRole: 'admin' });
    });

    it('a deleted B refuses at once (410), an unknown one is 404', async () => {
      const handler = new ExecuteOrganizationHandler(store, config());
      const { a, b, partnershipId } = await partnershipInvited(handler);
      await send(handler, { type: 'DeleteOrganization', data: { organizationId: b } }, carol);
      await expect(send(handler, { type: 'AcceptPartnership', data: { organizationId: a, partnershipId } }, carol)).rejects.toMatchObject({ code: 'PARTNER.DELETED' });
      await expect(
        send(handler, { type: 'InvitePartner', data: { organizationId: a, partnershipId: randomUUID(), partner: { organizationId: randomUUID() }, access: 'read' } }),
      ).rejects.toMatchObject({ code: 'PARTNER.NOT_FOUND' });
    });
  });
});
