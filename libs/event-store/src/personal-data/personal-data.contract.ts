import { randomUUID } from 'node:crypto';
import { ERASED } from '@roster/domain';
import type { EventStore, EventToAppend } from '../event-store.port';
import { eventHash, GENESIS_HASH } from '../hash-chain';
import type { KeyStore } from './key-store.port';
import { PersonalDataEventStore } from './personal-data-event-store';
import { PersonalDataVault } from './personal-data-vault';

/**
 * What PersonalDataEventStore guarantees over any store underneath: only ciphertext reaches
 * it, readers get plaintext or the erased marker, the hash chain covers what is stored.
 */
export interface PersonalDataFixture {
  readonly inner: EventStore;
  readonly keys: KeyStore;
  /** Every byte the store keeps (files, WAL), when the test can see them. */
  rawBytes?(): string;
}

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

/** Events chained as the command envelope chains them (from GENESIS_HASH). */
export function chainedEvents(streamId: string, events: readonly { type: string; data: unknown; metadata?: Record<string, unknown> }[]): EventToAppend[] {
  let previousHash = GENESIS_HASH;
  return events.map((event, index) => {
    const id = randomUUID();
    const metadata = { ...(event.metadata ?? {}), previousHash };
    const hash = eventHash(previousHash, { streamId, revision: BigInt(index), id, type: event.type, data: event.data, metadata });
    previousHash = hash;
    return { id, type: event.type, data: event.data, metadata: { ...metadata, hash } };
  });
}

export function describePersonalDataContract(name: string, factory: () => Promise<PersonalDataFixture>): void {
  describe(`${name}: personal data sealed at rest`, () => {
    let fixture: PersonalDataFixture;
    let store: PersonalDataEventStore;
    const organizationId = randomUUID();
    const streamId = `organization-${organizationId}`;
    const email = `alice.${randomUUID().slice(0, 8)}@example.org`;
    const message = `please let me in ${randomUUID()}`;
    const requester = `user-${randomUUID()}`;

    beforeAll(async () => {
      fixture = await factory();
      store = new PersonalDataEventStore(fixture.inner, new PersonalDataVault(fixture.keys));
      await store.append(
        streamId,
        chainedEvents(streamId, [
          { type: 'OrganizationCreated', data: { organizationId, name: 'N', description: '', createdBy: 'admin' } },
          { type: 'MemberInvited', data: { organizationId, invitationId: randomUUID(), invitee: { kind: 'email', email }, role: 'member', invitedBy: 'admin', expiresAt: '2030-01-01T00:00:00.000Z' } },
          { type: 'JoinRequested', data: { organizationId, requestId: randomUUID(), userId: requester, message }, metadata: { actor: { userId: requester, email } } },
        ]),
        'no_stream',
      );
    });
    afterAll(() => store.close());

    it('hands the store underneath only sealed values ({enc, kid, iv, ct, tag}), no plaintext', async () => {
      const raw = await collect(store.sealed.readStream(streamId));
      const text = JSON.stringify(raw.map((event) => [event.data, event.metadata]));
      expect(text).not.toContain(email);
      expect(text).not.toContain(message);
      expect((raw[1].data as { invitee: { kind: string; email: unknown } }).invitee).toEqual({
        kind: 'email',
        email: { enc: 'v1', kid: expect.any(String), iv: expect.any(String), ct: expect.any(String), tag: expect.any(String) },
      });
      if (fixture.rawBytes) {
        const bytes = fixture.rawBytes();
        expect(bytes.includes(email) || bytes.includes(message)).toBe(false);
      }
    });

    it('keeps a hash chain over the stored (sealed) events', async () => {
      let previous = GENESIS_HASH;
      for (const event of await collect(store.sealed.readStream(streamId))) {
        expect(event.metadata.previousHash).toBe(previous);
        expect(eventHash(previous, event)).toBe(event.metadata.hash);
        previous = String(event.metadata.hash);
      }
    });

    it('reads plaintext on every read path, with the stored form beside it', async () => {
      const streamRead = await collect(store.readStream(streamId));
      const allRead = (await collect(store.readAll())).filter((event) => event.streamId === streamId);
      for (const events of [streamRead, allRead]) {
        expect((events[1].data as { invitee: unknown }).invitee).toEqual({ kind: 'email', email });
        expect((events[2].data as { message: unknown }).message).toBe(message);
        expect((events[2].metadata.actor as { email: unknown }).email).toBe(email);
        expect(events[0].stored).toBeUndefined();
        expect(JSON.stringify(events[2].stored)).not.toContain(message);
      }
    });

    it('reads the values of a person whose key is destroyed as erased, never an error; the others stay readable', async () => {
      expect(await store.vault.destroyKey({ kind: 'email', email: ` ${email.toUpperCase()} ` })).toBe(true);
      const [, invited, requested] = await collect(store.readStream(streamId));
      expect((invited.data as { invitee: unknown }).invitee).toEqual({ kind: 'email', email: ERASED });
      expect((requested.data as { message: unknown }).message).toBe(message);
      await store.vault.destroyKey({ kind: 'user', userId: requester });
      const again = await collect(store.readStream(streamId));
      expect((again[2].data as { message: unknown }).message).toEqual(ERASED);
      expect((again[2].metadata.actor as { email: unknown }).email).toEqual(ERASED);
      expect(await store.vault.destroyKey({ kind: 'user', userId: requester })).toBe(false);
    });
  });
}
