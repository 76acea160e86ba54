import { canonicalJson, eventHash, GENESIS_HASH } from './hash-chain';

/**
 * The encoding as first written (Object.entries, a sorting comparator, map and join), for the
 * values generated below: every hash already in a store was computed with it, so
 * canonicalJson must stay byte-identical.
 */
function reference(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(String(value));
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

// A seeded generator (mulberry32): the same values on every run.
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'B', '_id', 'é', 'ä', 'zz', '10', '2', '', 'key with space', 'emoji😀', 'Z'];
const STRINGS = ['', 'plain', 'quote " and \\ back', 'line\nbreak', 'tab\t', 'é', '😀', '\u0000', '\u2028'];

function randomValue(random: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const kind = depth >= 4 ? pick(['leaf'] as const) : pick(['leaf', 'leaf', 'object', 'array'] as const);
  if (kind === 'object') {
    const out: Record<string, unknown> = {};
    const size = Math.floor(random() * 6);
    for (let i = 0; i < size; i++) out[pick(KEYS)] = randomValue(random, depth + 1);
    return out;
  }
  if (kind === 'array') {
    const out: unknown[] = Array.from({ length: Math.floor(random() * 5) }, () => randomValue(random, depth + 1));
    // A hole now and then: the reference writes it as nothing between two commas.
    if (out.length > 1 && random() < 0.2) delete out[0];
    return out;
  }
  // JSON values (what a stored event holds) and a Date (toJSON): RFC 8785 has no bigint.
  return pick<unknown>([null, undefined, true, false, 0, -1.5, 1e21, 42, 12345678901234567890, new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), ...STRINGS]);
}

describe('canonicalJson', () => {
  test('sorts keys by UTF-16 code units, drops undefined members, and writes a Date as its ISO string', () => {
    const value = { b: 1, a: [3, { z: null, y: undefined, x: 'é"\n' }], d: new Date('2026-01-02T03:04:05.678Z'), ä: true, A: false, '10': 'ten', '2': 'two' };
    expect(canonicalJson(value)).toBe('{"10":"ten","2":"two","A":false,"a":[3,{"x":"é\\"\\n","z":null}],"b":1,"d":"2026-01-02T03:04:05.678Z","ä":true}');
  });

  test('is RFC 8785 (JCS): the example of its section 3.2.3, numbers and key order included', () => {
    const parsed = JSON.parse('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}');
    expect(canonicalJson(parsed)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
    expect(canonicalJson({ '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' })).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  test('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
    expect(() => canonicalJson({ n: Number.POSITIVE_INFINITY })).toThrow();
    expect(() => canonicalJson({ n: 10n })).toThrow(TypeError);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  test.each([1, 2, 3])('matches the encoding every stored hash was computed with, on random values (seed %i)', (seed) => {
    const random = seeded(seed);
    for (let i = 0; i < 2000; i++) {
      const value = randomValue(random, 0);
      // A value of its own, never a member: undefined is not a JSON text (RFC 8785 refuses it).
      if (value === undefined) continue;
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });
});

describe('eventHash', () => {
  test('is the SHA-256 it has always been for a known event (hashes already stored keep verifying)', () => {
    const hash = eventHash(GENESIS_HASH, {
      streamId: 'organization-1',
      revision: 7n,
      id: 'e-1',
      type: 'MemberInvited',
      data: { organizationId: 'o', invitee: { kind: 'email', email: 'a@b.fr' }, role: 'editor' },
      metadata: { actor: { userId: 'alice' }, occurredAt: '2026-01-01T00:00:00.000Z', hash: 'ignored' },
    });
    expect(hash).toBe('e28562a5b184f537f3fd37e35ac7e7c69dbb10e895a4735be74b84b65a31e251');
  });
});
