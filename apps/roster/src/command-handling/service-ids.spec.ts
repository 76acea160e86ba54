import { organizationIdForIdempotencyKey } from './service-ids';

describe('organizationIdForIdempotencyKey', () => {
  it('is a UUID (version 5 shape) that depends only on the caller and the key', () => {
    const id = organizationIdForIdempotencyKey('alice', 'k1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(organizationIdForIdempotencyKey('alice', 'k1')).toBe(id);
    expect(organizationIdForIdempotencyKey('bob', 'k1')).not.toBe(id);
    expect(organizationIdForIdempotencyKey('alice', 'k2')).not.toBe(id);
    // The separator keeps ("a", "bc") and ("ab", "c") apart.
    expect(organizationIdForIdempotencyKey('a', 'bc')).not.toBe(organizationIdForIdempotencyKey('ab', 'c'));
  });
});
