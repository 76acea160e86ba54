import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ERASED } from '@roster/domain';
import { GENESIS_HASH, eventHash } from '../hash-chain';
import type { EventToAppend, RecordedEvent } from '../event-store.port';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { PersonalDataEventStore } from './personal-data-event-store';
import { PersonalDataVault } from './personal-data-vault';
import { SqliteKeyStore } from './sqlite-key-store';

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

/** Events chained as the command envelope chains them. */
function chained(streamId: string, events: { type: string; data: unknown; metadata?: Record<string, unknown> }[]): EventToAppend[] {
  let previousHash = GENESIS_HASH;
  return events.map((event, index) => {
    const id = randomUUID();
    const metadata = { ...(event.metadata ?? {}), previousHash };
    const hash = eventHash(previousHash, { streamId, revision: BigInt(index), id, type: event.type, data: event.data, metadata });
    previousHash = hash;
    return { id, type: event.type, data: event.data, metadata: { ...metadata, hash } };
  });
}

describe('PersonalDataEventStore (SQLite event store, SQLite keys)', () => {
  let dir: string;
  let store: PersonalDataEventStore;
  const email = `alice.${randomUUID().slice(0, 8)}@example.org`;
  const message = `please let me in ${randomUUID()}`;
  const organizationId = randomUUID();
  const streamId = `organization-${organizationId}`;
  const requester = `user-${randomUUID()}`;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vault-'));
    store = new PersonalDataEventStore(new SqliteEventStore({ path: join(dir, 'events.sqlite') }), new PersonalDataVault(new SqliteKeyStore({ path: join(dir, 'keys.sqlite') })));
  });
  afterEach(() => store.close());

  const events = () =>
    chained(streamId, [
      { type: 'MemberInvited', data: { organizationId, invitationId: randomUUID(), invitee: { kind: 'email', email }, role: 'member', invitedBy: 'admin', expiresAt: '2030-01-01T00:00:00.000Z' } },
      { type: 'JoinRequested', data: { organizationId, requestId: randomUUID(), userId: requester, message }, metadata: { actor: { userId: requester, email } } },
    ]);

  it('stores ciphertext only, reads plaintext back, and the chain covers what is stored', async () => {
    const result = await store.append(streamId, events(), 'no_stream');
    const raw = await collect(store.sealed.readStream(streamId));
    expect(JSON.stringify(raw.map((e) => [e.data, e.metadata]))).not.toContain(email);
    expect(JSON.stringify(raw.map((e) => [e.data, e.metadata]))).not.toContain('please let me in');
    expect((raw[0].data as { invitee: { email: unknown } }).invitee.email).toMatchObject({ $enc: 'v1', kid: expect.any(String), iv: expect.any(String), ct: expect.any(String), tag: expect.any(String) });
    let previous = GENESIS_HASH;
    for (const event of raw) {
      expect(event.metadata.previousHash).toBe(previous);
      expect(eventHash(previous, event)).toBe(event.metadata.hash);
      previous = event.metadata.hash as string;
    }
    expect(result.lastHash).toBe(previous);
    const read = await collect(store.readStream(streamId));
    expect((read[0].data as { invitee: unknown }).invitee).toEqual({ kind: 'email', email });
    expect((read[1].data as { message: unknown }).message).toBe(message);
    expect((read[1].metadata.actor as { email: unknown }).email).toBe(email);
    expect(read[1].stored?.data).toEqual(raw[1].data);
    const files = readdirSync(dir).map((name) => readFileSync(join(dir, name)).toString('latin1'));
    expect(files.some((bytes) => bytes.includes(email) || bytes.includes(message))).toBe(false);
  });

  it('reads every value of a person whose key is destroyed as erased, never an error, on every read path', async () => {
    await store.append(streamId, events(), 'no_stream');
    expect(await store.vault.destroyKey({ kind: 'email', email: email.toUpperCase() })).toBe(true);
    const read = await collect(store.readStream(streamId));
    expect((read[0].data as { invitee: unknown }).invitee).toEqual({ kind: 'email', email: ERASED });
    expect((read[1].data as { message: unknown }).message).toBe(message);
    await store.vault.destroyKey({ kind: 'user', userId: requester });
    const all: RecordedEvent[] = await collect(store.readAll());
    expect((all[1].data as { message: unknown }).message).toEqual(ERASED);
    expect((all[1].metadata.actor as { email: unknown }).email).toEqual(ERASED);
    expect(await store.vault.destroyKey({ kind: 'user', userId: requester })).toBe(false);
  });

  it('leaves events without personal data as they are', async () => {
    const plain = chained(streamId, [{ type: 'OrganizationCreated', data: { organizationId, name: 'N', description: '', createdBy: 'a' } }]);
    const result = await store.append(streamId, plain, 'no_stream');
    expect(result.lastHash).toBeUndefined();
    const [read] = await collect(store.readStream(streamId));
    expect(read.data).toEqual(plain[0].data);
    expect(read.stored).toBeUndefined();
  });
});
