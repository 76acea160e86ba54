import { isCommandRoute, TokenBucketStore } from './command-rate-limit';

describe('TokenBucketStore', () => {
  const take = (store: TokenBucketStore, key = 'user:a') => {
    let result: { current: number; ttl: number } | undefined;
    store.incr(key, (_error, value) => (result = value));
    return result!;
  };

  it('lets a burst through, then one command per refilled token, and says when the next token comes', () => {
    let now = 0;
    const store = new TokenBucketStore(2, 3, () => now);
    expect([take(store), take(store), take(store)].map((r) => r.current)).toEqual([1, 2, 3]);
    const refused = take(store);
    expect(refused.current).toBe(4);
    expect(refused.ttl).toBe(500);
    now += 500;
    expect(take(store).current).toBeLessThanOrEqual(3);
    expect(take(store).current).toBe(4);
    now += 10_000;
    expect(take(store).current).toBe(1);
  });

  it('keeps one bucket per key, shared by every route (child is the same store)', () => {
    const store = new TokenBucketStore(1, 1, () => 0);
    expect(take(store, 'user:a').current).toBe(1);
    expect(take(store, 'user:b').current).toBe(1);
    expect(take(store.child(), 'user:a').current).toBe(2);
  });
});

describe('isCommandRoute', () => {
  it.each([
    ['POST', '/organizations', true],
    ['DELETE', '/organizations/:orgId/members/:userId', true],
    ['PUT', '/organizations/:orgId/members/:userId/role', true],
    ['GET', '/organizations/:orgId/dashboard', false],
    ['POST', '/authorizations/check', false],
    ['GET', '/health', false],
  ] as const)('%s %s: %p', (method, url, expected) => {
    expect(isCommandRoute(method, url)).toBe(expected);
  });
});
