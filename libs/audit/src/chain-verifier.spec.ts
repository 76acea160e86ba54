import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { organizationStreamId, type OrganizationEvent } from '@roster/domain';
import { eventHash, GENESIS_HASH, SqliteEventStore, type RecordedEvent } from '@roster/event-store';
import { StreamChainVerifier, verifyAllStreams, verifyStream } from './chain-verifier';

/** Recorded events of one stream, chained exactly as the command handler chains them. */
function chain(organizationId: string, events: OrganizationEvent[]): RecordedEvent[] {
  const streamId = organizationStreamId(organizationId);
  let previousHash = GENESIS_HASH;
  return events.map((event, i) => {
    const id = randomUUID();
    const revision = BigInt(i);
    const base = { actor: { userId: 'u1' }, occurredAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(), correlationId: id, causationId: id, schemaVersion: 1, command: 'X', previousHash };
    const hash = eventHash(previousHash, { streamId, revision, id, type: event.type, data: event.data, metadata: base });
    previousHash = hash;
    return { id, streamId, type: event.type, data: event.data, metadata: { ...base, hash }, revision, position: revision + 1n, recordedAt: new Date() };
  });
}

const history = (org: string): OrganizationEvent[] => [
  { type: 'OrganizationCreated', data: { organizationId: org, name: 'Org', description: '', createdBy: 'u1' } },
  { type: 'OrganizationProfileUpdated', data: { organizationId: org, name: 'Org 2' } },
  { type: 'JoinRequested', data: { organizationId: org, requestId: 'r1', userId: 'u2' } },
  { type: 'JoinApproved', data: { organizationId: org, requestId: 'r1', userId: 'u2', role: 'editor', approvedBy: 'u1' } },
];

const verify = (events: RecordedEvent[]) => {
  const verifier = new StreamChainVerifier(events[0].streamId);
  events.forEach((e) => verifier.check(e));
  return verifier.result();
};

describe('StreamChainVerifier', () => {
  const org = randomUUID();

  it('accepts an intact chain', () => {
    expect(verify(chain(org, history(org)))).toEqual({ streamId: organizationStreamId(org), events: 4, valid: true });
  });

  it('names an edited event (data) as a hash mismatch', () => {
    const events = chain(org, history(org));
    events[2] = { ...events[2], data: { ...(events[2].data as object), userId: 'intruder' } };
    expect(verify(events)).toMatchObject({ valid: false, events: 4, firstInvalid: { revision: '2', id: events[2].id, reason: 'hash mismatch' } });
  });

  it('names an edited event (metadata) as a hash mismatch', () => {
    const events = chain(org, history(org));
    events[1] = { ...events[1], metadata: { ...events[1].metadata, actor: { userId: 'someone-else' } } };
    expect(verify(events).firstInvalid).toMatchObject({ revision: '1', reason: 'hash mismatch' });
  });

  it('finds an edited event whose hash was re-computed: the next link breaks', () => {
    const events = chain(org, history(org));
    const e = events[1];
    const data = { ...(e.data as object), name: 'Forged' };
    const hash = eventHash(e.metadata.previousHash as string, { ...e, data });
    events[1] = { ...e, data, metadata: { ...e.metadata, hash } };
    expect(verify(events).firstInvalid).toMatchObject({ revision: '2', reason: 'broken link (event missing or reordered)' });
  });

  it('finds a deleted event as a revision gap at the next one', () => {
    const events = chain(org, history(org));
    events.splice(1, 1);
    expect(verify(events).firstInvalid).toMatchObject({ revision: '2', reason: 'revision gap' });
  });

  it('finds a deleted and renumbered event as a broken link', () => {
    const events = chain(org, history(org));
    events.splice(1, 1);
    const renumbered = events.map((e, i) => ({ ...e, revision: BigInt(i) }));
    expect(verify(renumbered).firstInvalid).toMatchObject({ revision: '1', reason: 'broken link (event missing or reordered)' });
  });

  it('finds an event written without a hash', () => {
    const events = chain(org, history(org));
    const { hash: _h, ...metadata } = events[3].metadata;
    events[3] = { ...events[3], metadata };
    expect(verify(events).firstInvalid).toMatchObject({ revision: '3', reason: 'missing hash' });
  });
});

describe('verifyStream / verifyAllStreams on a SQLite file edited behind the store', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'roster-verify-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function seeded(orgs: string[]) {
    const path = join(dir, `${randomUUID()}.sqlite`);
    const store = new SqliteEventStore(path);
    for (const org of orgs) {
      const events = chain(org, history(org));
      await store.append(organizationStreamId(org), events.map(({ id, type, data, metadata }) => ({ id, type, data, metadata })), 'no_stream');
    }
    return { path, store };
  }

  it('finds an edited row and a deleted row, one stream or all', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const { path, store } = await seeded([a, b, c]);
    expect(await verifyStream(store, organizationStreamId(a))).toMatchObject({ valid: true, events: 4 });

    const db = new Database(path);
    db.prepare("UPDATE events SET data = json_set(data, '$.role', 'admin') WHERE stream_id = ? AND revision = 3").run(organizationStreamId(a));
    db.prepare('DELETE FROM events WHERE stream_id = ? AND revision = 1').run(organizationStreamId(b));
    db.close();

    expect(await verifyStream(store, organizationStreamId(a))).toMatchObject({ valid: false, firstInvalid: { revision: '3', reason: 'hash mismatch' } });
    expect(await verifyStream(store, organizationStreamId(b))).toMatchObject({ valid: false, events: 3, firstInvalid: { revision: '2', reason: 'revision gap' } });

    let seen = 0;
    const all = await verifyAllStreams(store, 'organization-', () => seen++);
    expect(seen).toBe(11);
    const byStream = new Map(all.map((r) => [r.streamId, r]));
    expect(byStream.get(organizationStreamId(a))?.valid).toBe(false);
    expect(byStream.get(organizationStreamId(b))?.firstInvalid?.reason).toBe('revision gap');
    expect(byStream.get(organizationStreamId(c))?.valid).toBe(true);
    await store.close();
  });
});
