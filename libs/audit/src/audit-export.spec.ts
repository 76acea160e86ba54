import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { organizationStreamId } from '@roster/domain';
import { eventHash, GENESIS_HASH, SqliteEventStore, type EventToAppend } from '@roster/event-store';
import { auditExportChunks, verifyAuditExport, type ExportVerification } from './audit-export';
import { AuditSigner, readAuditPublicKey } from './audit-signature';
import { CheckpointLog, checkpointHead } from './checkpoints';
import { verifyStream } from './chain-verifier';

const signer = AuditSigner.fromPem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
const publicKey = readAuditPublicKey(signer.publicKeyPem);
const NOW = new Date('2026-12-02T12:00:00.000Z');

/** `count` chained events for one organization, as the command handler chains them. */
function chained(organizationId: string, count: number): EventToAppend[] {
  const streamId = organizationStreamId(organizationId);
  let previousHash = GENESIS_HASH;
  return Array.from({ length: count }, (_, i) => {
    const id = randomUUID();
    const metadata = { actor: { userId: 'u1' }, occurredAt: NOW.toISOString(), previousHash };
    const data = { organizationId, name: `name ${i}` };
    const hash = eventHash(previousHash, { streamId, revision: BigInt(i), id, type: 'OrganizationProfileUpdated', data, metadata });
    previousHash = hash;
    return { id, type: 'OrganizationProfileUpdated', data, metadata: { ...metadata, hash } };
  });
}

async function* pieces(text: string): AsyncGenerator<string> {
  // Split anywhere, lines across pieces included, as a file stream would.
  for (let i = 0; i < text.length; i += 97) yield text.slice(i, i + 97);
}

const check = (lines: string[], ending = '\n'): Promise<ExportVerification> => verifyAuditExport(pieces(lines.join('\n') + ending), publicKey);

describe('a signed export', () => {
  let store: SqliteEventStore;
  const org = randomUUID();
  let lines: string[];

  beforeAll(async () => {
    store = new SqliteEventStore({ path: ':memory:' });
    await store.append(organizationStreamId(randomUUID()), chained(randomUUID(), 2), 'no_stream');
    await store.append(organizationStreamId(org), chained(org, 5), 'no_stream');
    let text = '';
    for await (const chunk of auditExportChunks(store, org, signer, () => NOW)) text += chunk;
    lines = text.split('\n').filter((line) => line !== '');
  });

  afterAll(() => store.close());

  it('is the events then a signed manifest, and verifies', async () => {
    expect(lines).toHaveLength(6);
    const answer = await check(lines);
    expect(answer).toEqual({
      valid: true,
      manifest: expect.objectContaining({ organizationId: org, count: 5, firstRevision: '0', lastRevision: '4', firstPosition: '3', lastPosition: '7', exportedAt: NOW.toISOString(), keyId: signer.keyId }),
    });
  });

  it.each([
    ['an edited line', (l: string[]) => [l[0], l[1].replace('name 1', 'name X'), ...l.slice(2)], 'edited line', 2],
    ['a removed line', (l: string[]) => [l[0], ...l.slice(2)], 'removed line', 2],
    ['reordered lines', (l: string[]) => [l[0], l[2], l[1], ...l.slice(3)], 'removed line', 2],
    ['the last events removed', (l: string[]) => [...l.slice(0, 3), l[5]], 'truncated tail', 4],
    ['no manifest', (l: string[]) => l.slice(0, 5), 'truncated tail', 5],
    ['a manifest changed', (l: string[]) => [...l.slice(0, 5), l[5].replace('"count":5', '"count":3')], 'forged signature', 6],
    ['a line added after the manifest', (l: string[]) => [...l, l[4]], 'truncated tail', 7],
  ] as const)('finds %s', async (_name, change, problem, line) => {
    expect(await check(change(lines))).toMatchObject({ valid: false, problem, line });
  });

  it('finds a file cut in the middle of a line', async () => {
    const text = lines.join('\n');
    expect(await verifyAuditExport(pieces(text.slice(0, text.length - 20)), publicKey)).toMatchObject({ valid: false, problem: 'truncated tail' });
  });

  it('finds a manifest signed by another key, naming both keys', async () => {
    const other = AuditSigner.fromPem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const answer = await verifyAuditExport(pieces(`${lines.join('\n')}\n`), other.publicKey);
    expect(answer).toMatchObject({ valid: false, problem: 'forged signature', detail: expect.stringContaining(`this key is ${other.keyId}`) });
  });
});

describe('checkpoints', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roster-checkpoints-'));
    store = new SqliteEventStore({ path: ':memory:' });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("record every organization's head, read only what is new, and let verify see a removed tail", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const eventsOfA = chained(a, 4);
    await store.append(organizationStreamId(a), eventsOfA.slice(0, 3), 'no_stream');
    await store.append(organizationStreamId(b), chained(b, 1), 'no_stream');
    const log = new CheckpointLog(join(dir, 'checkpoints.ndjson'));
    const first = await log.record(store, signer, () => NOW);
    expect(first?.organizations[a]).toMatchObject({ revision: '2', hash: eventsOfA[2].metadata.hash });
    expect(await log.record(store, signer, () => NOW, first)).toBe(first); // nothing new: no line
    await store.append(organizationStreamId(a), eventsOfA.slice(3), 2n);
    const second = await log.record(store, signer, () => NOW);
    expect(second).toMatchObject({ organizations: { [a]: { revision: '3' }, [b]: { revision: '0' } } });
    expect(readFileSync(log.path, 'utf8').trim().split('\n')).toHaveLength(2);

    // The stream as it is still reaches the head; one that lost its last event does not.
    expect((await verifyStream(store, organizationStreamId(a), undefined, checkpointHead(second, a))).valid).toBe(true);
    const shorter = new SqliteEventStore({ path: ':memory:' });
    await shorter.append(organizationStreamId(a), eventsOfA.slice(0, 3), 'no_stream');
    const result = await verifyStream(shorter, organizationStreamId(a), undefined, checkpointHead(second, a));
    await shorter.close();
    expect(result).toMatchObject({ valid: false, firstInvalid: { reason: 'tail removed (checkpoint)', revision: '3', id: eventsOfA[3].id } });
  });

  it('trust only a line signed by the key: an edited or foreign newest line is passed over', async () => {
    const org = randomUUID();
    await store.append(organizationStreamId(org), chained(org, 2), 'no_stream');
    const log = new CheckpointLog(join(dir, 'checkpoints.ndjson'));
    const good = await log.record(store, signer, () => NOW);
    const other = AuditSigner.fromPem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await new CheckpointLog(log.path).record(store, other, () => NOW);
    expect(await log.lastTrusted(publicKey)).toEqual(good);
    expect(await new CheckpointLog(join(dir, 'none.ndjson')).lastTrusted(publicKey)).toBeUndefined();
  });
});
