import { randomUUID } from 'node:crypto';
import type { KeyStore } from './key-store.port';

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

    it('makes a 256-bit key on first use and gives the same one after, also to concurrent callers', async () => {
      const name = person();
      const [a, b, c] = await Promise.all([keys.keyFor(name), keys.keyFor(name), keys.keyFor(name)]);
      expect(a.key).toHaveLength(32);
      expect([b.kid, c.kid]).toEqual([a.kid, a.kid]);
      expect((await keys.keyFor(name)).key.equals(a.key)).toBe(true);
      expect((await keys.keyById(a.kid))?.equals(a.key)).toBe(true);
    });

    it('gives each person a key of their own', async () => {
      const [a, b] = await Promise.all([keys.keyFor(person()), keys.keyFor(person())]);
      expect(a.kid).not.toBe(b.kid);
      expect(a.key.equals(b.key)).toBe(false);
    });

    it('destroys a key for good: gone by id, a new one (new id) on next use, true only the first time', async () => {
      const name = person();
      const first = await keys.keyFor(name);
      expect(await keys.destroyKey(name)).toBe(true);
      expect(await keys.keyById(first.kid)).toBeNull();
      expect(await keys.destroyKey(name)).toBe(false);
      const second = await keys.keyFor(name);
      expect(second.kid).not.toBe(first.kid);
      expect(await keys.keyById(first.kid)).toBeNull();
    });

    it('answers null for an unknown key id', async () => {
      expect(await keys.keyById(randomUUID())).toBeNull();
    });

    it('keeps no person name (e-mail address) in clear', async () => {
      const name = person();
      await keys.keyFor(name);
      expect(await contents()).not.toContain(name.slice('email:'.length));
    });
  });
}
