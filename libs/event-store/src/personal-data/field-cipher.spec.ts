import { randomBytes } from 'node:crypto';
import { associatedData, isSealed, openValue, sealValue } from './field-cipher';

describe('field cipher (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const aad = associatedData('data.message', 'organization-1');

  it('opens what it sealed, any JSON value', () => {
    for (const value of ['a message', 'é ✓ 🙂', { nested: [1, true, null] }]) {
      const sealed = sealValue(value, 'kid-1', key, aad);
      expect(isSealed(sealed)).toBe(true);
      expect(sealed.kid).toBe('kid-1');
      expect(openValue(sealed, key, aad)).toEqual({ value });
    }
  });

  it('uses a fresh 96-bit IV for every value: the same plaintext seals differently', () => {
    const a = sealValue('same', 'k', key, aad);
    const b = sealValue('same', 'k', key, aad);
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
  });

  it('does not open with another key, in another field or stream, or once altered', () => {
    const sealed = sealValue('secret', 'k', key, aad);
    expect(openValue(sealed, randomBytes(32), aad)).toBeUndefined();
    expect(openValue(sealed, key, associatedData('data.reason', 'organization-1'))).toBeUndefined();
    expect(openValue(sealed, key, associatedData('data.message', 'organization-2'))).toBeUndefined();
    const ct = Buffer.from(sealed.ct, 'base64');
    ct[0] ^= 1;
    expect(openValue({ ...sealed, ct: ct.toString('base64') }, key, aad)).toBeUndefined();
  });

  it('tells sealed values from plain ones', () => {
    expect(isSealed('text')).toBe(false);
    expect(isSealed({ erased: true })).toBe(false);
    expect(isSealed(null)).toBe(false);
  });
});
