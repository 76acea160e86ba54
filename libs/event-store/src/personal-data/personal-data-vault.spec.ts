import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERASED, personKeyName } from '@roster/domain';
import * as cipher from './field-cipher';
import { PersonalDataVault, type PersonalDataVaultOptions } from './personal-data-vault';
import { SqliteKeyStore } from './sqlite-key-store';

/** Values opened from memory: each only while its key is, and never past a destruction. */
describe('PersonalDataVault: opened values in memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-vault-'));
  let keys: SqliteKeyStore;
  const organizationId = randomUUID();
  const streamId = `organization-${organizationId}`;
  const FIELD = 'data.invitee.email';
  const opening = jest.spyOn(cipher, 'openValue');

  beforeEach(() => {
    keys = new SqliteKeyStore({ path: join(dir, `keys-${randomUUID()}.sqlite`) });
    opening.mockClear();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** An invitation's address sealed under its owner's key, as a read model copies it. */
  const sealedEmail = async (vault: PersonalDataVault, email: string): Promise<unknown> => {
    const [event] = await vault.sealAll(streamId, [
      { type: 'MemberInvited', data: { organizationId, invitationId: randomUUID(), invitee: { kind: 'email', email }, role: 'member', invitedBy: 'admin', expiresAt: '2030-01-01T00:00:00.000Z' }, metadata: {} },
    ]);
    const value = (event.data as { invitee: { email: unknown } }).invitee.email;
    expect(cipher.isSealed(value)).toBe(true);
    return value;
  };
  const vaultOf = (options: PersonalDataVaultOptions = {}) => new PersonalDataVault(keys, options);
  const field = (value: unknown) => ({ value, field: FIELD, streamId });

  it('opens several values in order, a value not sealed as it is, and deciphers a value again only once its key is gone from memory', async () => {
    const vault = vaultOf();
    const a = await sealedEmail(vault, 'a@example.org');
    const b = await sealedEmail(vault, 'b@example.org');
    expect(await vault.openFields([field(a), field('plain'), field(b), field(a)])).toEqual(['a@example.org', 'plain', 'b@example.org', 'a@example.org']);
    expect(opening).toHaveBeenCalledTimes(2);
    expect(await vault.openFields([field(b), field(a)])).toEqual(['b@example.org', 'a@example.org']);
    expect(await vault.openField(a, FIELD, streamId)).toBe('a@example.org');
    expect(opening).toHaveBeenCalledTimes(2);
    // Another process's vault on the same keys reads the key store, and deciphers.
    expect(await vaultOf().openFields([field(a)])).toEqual(['a@example.org']);
    expect(opening).toHaveBeenCalledTimes(3);
  });

  it('never answers from memory for another field, stream or ciphertext than the one a value was sealed with', async () => {
    const vault = vaultOf();
    const a = await sealedEmail(vault, 'a@example.org');
    expect(await vault.openFields([field(a)])).toEqual(['a@example.org']);
    expect(await vault.openFields([{ value: a, field: 'data.message', streamId }, { value: a, field: FIELD, streamId: 'organization-other' }])).toEqual([ERASED, ERASED]);
    // Nor for a value whose bytes were changed, its key id, IV and tag kept: it does not authenticate.
    const sealed = a as cipher.SealedValue;
    const altered = { ...sealed, ct: Buffer.from(Buffer.from(sealed.ct, 'base64').map((byte, i) => (i === 0 ? byte ^ 1 : byte))).toString('base64') };
    expect(await vault.openFields([field(altered), field({ ...sealed })])).toEqual([ERASED, 'a@example.org']);
  });

  it('opens at once (openFieldsNow) what openFields would, only while every key it needs is in memory, and never a value of a destroyed key', async () => {
    const sealer = vaultOf();
    const a = await sealedEmail(sealer, 'a@example.org');
    const b = await sealedEmail(sealer, 'b@example.org');
    const vault = vaultOf();
    // No key in memory yet: not at once (openFields reads the key store).
    expect(vault.openFieldsNow([field(a), field('plain')])).toBeUndefined();
    expect(vault.openFieldsNow([field('plain')])).toEqual(['plain']);
    expect(await vault.openFields([field(a)])).toEqual(['a@example.org']);
    // a's key in memory, b's not: still not at once.
    expect(vault.openFieldsNow([field(a), field(b)])).toBeUndefined();
    expect(vault.openFieldsNow([field(a), field('plain'), field(a)])).toEqual(['a@example.org', 'plain', 'a@example.org']);
    expect(await vault.openFields([field(b)])).toEqual(['b@example.org']);
    expect(vault.openFieldsNow([field(b), field(a)])).toEqual(await vault.openFields([field(b), field(a)]));
    expect(await vault.destroyKey({ kind: 'email', email: 'a@example.org' })).toBe(true);
    // Forgotten with the keys at once: a is read from the key store again (gone: erased), b's key too.
    expect(vault.openFieldsNow([field(a)])).toBeUndefined();
    expect(await vault.openFields([field(a), field(b)])).toEqual([ERASED, 'b@example.org']);
    expect(vault.openFieldsNow([field(a), field(b)])).toEqual([ERASED, 'b@example.org']);
  });

  it('reads every value of the destroyed key as erased at once after destroyKey, the values it had opened included', async () => {
    const vault = vaultOf();
    const a = await sealedEmail(vault, 'a@example.org');
    const b = await sealedEmail(vault, 'b@example.org');
    expect(await vault.openFields([field(a), field(b)])).toEqual(['a@example.org', 'b@example.org']);
    expect(await vault.destroyKey({ kind: 'email', email: 'a@example.org' })).toBe(true);
    expect(await vault.openFields([field(a), field(b)])).toEqual([ERASED, 'b@example.org']);
    expect(await vault.openField(a, FIELD, streamId)).toEqual(ERASED);
  });

  it("in another process: answers from memory until told (forgetKeys), then reads the key store; destroyKey tells the others and waits for them", async () => {
    const here = vaultOf();
    const there = vaultOf();
    const a = await sealedEmail(here, 'a@example.org');
    expect(await there.openFields([field(a)])).toEqual(['a@example.org']);
    let told = 0;
    here.tellOthersWith(async () => {
      told++;
      there.forgetKeys();
    });
    // Without being told, the other keeps the key (and what it opened) for its time to live: why the API workers tell each other.
    await keys.destroyKey(personKeyName({ kind: 'email', email: 'a@example.org' }));
    expect(await there.openFields([field(a)])).toEqual(['a@example.org']);
    await here.destroyKey({ kind: 'email', email: 'a@example.org' });
    expect(told).toBe(1);
    expect(await there.openFields([field(a)])).toEqual([ERASED]);
  });

  it("lets an opened value go with its key's time to live: a key destroyed elsewhere is read as such once it expires here", async () => {
    const vault = vaultOf({ cacheTtlMs: 30 });
    const a = await sealedEmail(vault, 'a@example.org');
    expect(await vault.openFields([field(a)])).toEqual(['a@example.org']);
    await keys.destroyKey(personKeyName({ kind: 'email', email: 'a@example.org' }));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await vault.openFields([field(a)])).toEqual([ERASED]);
  });

  it('keeps at most openedCacheSize opened values: the oldest is deciphered again', async () => {
    const vault = vaultOf({ openedCacheSize: 2 });
    const values = [await sealedEmail(vault, 'a@example.org'), await sealedEmail(vault, 'b@example.org'), await sealedEmail(vault, 'c@example.org')];
    expect(await vault.openFields(values.map(field))).toEqual(['a@example.org', 'b@example.org', 'c@example.org']);
    expect(opening).toHaveBeenCalledTimes(3);
    expect(await vault.openFields([field(values[2]), field(values[1])])).toEqual(['c@example.org', 'b@example.org']);
    expect(opening).toHaveBeenCalledTimes(3);
    expect(await vault.openFields([field(values[0])])).toEqual(['a@example.org']);
    expect(opening).toHaveBeenCalledTimes(4);
  });

  it('does not keep a key read while another was destroyed: the value read across the destruction is read again', async () => {
    const vault = vaultOf();
    const a = await sealedEmail(vault, 'a@example.org');
    const fresh = vaultOf();
    const reading = jest.spyOn(keys, 'keyById');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    reading.mockImplementationOnce(async (kid) => {
      const key = await SqliteKeyStore.prototype.keyById.call(keys, kid);
      await held;
      return key;
    });
    const opened = fresh.openFields([field(a)]);
    await fresh.destroyKey({ kind: 'email', email: 'a@example.org' });
    release();
    expect(await opened).toEqual([ERASED]);
    reading.mockRestore();
  });
});
