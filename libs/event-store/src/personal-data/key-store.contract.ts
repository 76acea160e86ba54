import { randomUUID } from 'node:crypto';
import type { KeyStore, PersonKey } from './key-store.port';

/** What every KeyStore adapter guarantees; `contents` is everything the store keeps, as text. */
export function describeKeyStoreContract(name: string, factory: () => Promise<{ keys: KeyStore; contents(): Promise<string> }>): void {
  describe(`${name}: KeyStore contract`, () => {
    let keys: KeyStore;
    let contents: () => Promise<string>;
    beforeAll(async () => {
      ({ keys, contents } = await factory());
    });
    afterAll(() => keys.close());

    const person = () => `email:someone.${randomUUID()}@example.org`;
    const keyFor = async (name: string): Promise<PersonKey> => (await keys.keysFor([name])).get(name) as PersonKey;

    it('answers a batch at once: existing keys, new ones, a name given twice', async () => {
      const [old, fresh] = [person(), person()];
      const before = await keyFor(old);
      const batch = await keys.keysFor([old, fresh, fresh]);
      expect([...batch.keys()].sort()).toEqual([old, fresh].sort());
      expect(batch.get(old)?.kid).toBe(before.kid);
      expect((await keyFor(fresh)).kid).toBe(batch.get(fresh)?.kid);
      expect((await keys.keysFor([])).size).toBe(0);
    });

    it('answers the existing keys of a batch and makes none for the others', async () => {
      const [known, unknown] = [person(), person()];
      const key = await keyFor(known);
      const before = await contents();
      const found = await keys.existingKeys([known, unknown, known]);
      expect([...found.keys()]).toEqual([known]);
      expect(found.get(known)?.kid).toBe(key.kid);
      expect((await keys.existingKeys([unknown])).size).toBe(0);
      expect(await contents()).toBe(before);
    });

    it('makes a 256-bit key on first use and gives the same one after, also to concurrent callers', async () => {
      const name = person();
      const [a, b, c] = await Promise.all([keyFor(name), keyFor(name), keyFor(name)]);
      expect(a.key).toHaveLength(32);
      expect([b.kid, c.kid]).toEqual([a.kid, a.kid]);
      expect((await keyFor(name)).key.equals(a.key)).toBe(true);
      expect((await keys.keyById(a.kid))?.equals(a.key)).toBe(true);
    });

    it('gives each person a key of their own', async () => {
      const [a, b] = await Promise.all([keyFor(person()), keyFor(person())]);
      expect(a.kid).not.toBe(b.kid);
      expect(a.key.equals(b.key)).toBe(false);
    });

    it('destroys a key for good: gone by id, a new one (new id) on next use, true only the first time', async () => {
      const name = person();
      const first = await keyFor(name);
      expect(await keys.destroyKey(name)).toBe(true);
      expect(await keys.keyById(first.kid)).toBeNull();
      expect(await keys.destroyKey(name)).toBe(false);
      const second = await keyFor(name);
      expect(second.kid).not.toBe(first.kid);
      expect(await keys.keyById(first.kid)).toBeNull();
    });

    it('answers null for an unknown key id', async () => {
      expect(await keys.keyById(randomUUID())).toBeNull();
    });

    it('keeps no person name (e-mail address) in clear', async () => {
      const name = person();
      await keyFor(name);
      expect(await contents()).not.toContain(name.slice('email:'.length));
    });
  });
}
