import { PersistentMap } from './persistent-map';

describe('PersistentMap', () => {
  test('behaves like a Map under a long random sequence of sets and deletes, keeping every old version', () => {
    let seed = 42;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let map = PersistentMap.empty<number>();
    const model = new Map<string, number>();
    const versions: Array<[PersistentMap<number>, Map<string, number>]> = [];
    for (let i = 0; i < 5000; i++) {
      const key = `k${Math.floor(random() * 700)}`;
      if (random() < 0.3) {
        map = map.delete(key);
        model.delete(key);
      } else {
        map = map.set(key, i);
        model.set(key, i);
      }
      if (i % 500 === 0) versions.push([map, new Map(model)]);
    }
    versions.push([map, model]);
    for (const [version, expected] of versions) {
      expect(version.size).toBe(expected.size);
      expect(new Map(version)).toEqual(expected);
      for (const [key, value] of expected) expect(version.get(key)).toBe(value);
      expect(version.has('absent')).toBe(false);
    }
  });

  test('returns the same map when nothing changes', () => {
    const map = PersistentMap.from([['a', 1]]);
    expect(map.set('a', 1)).toBe(map);
    expect(map.delete('b')).toBe(map);
    expect(PersistentMap.empty<number>().size).toBe(0);
  });

  test('lists keys, values and a plain object', () => {
    const map = PersistentMap.from([
      ['a', 1],
      ['b', 2],
    ]);
    expect([...map.keys()].sort()).toEqual(['a', 'b']);
    expect([...map.values()].sort()).toEqual([1, 2]);
    expect(map.toObject()).toEqual({ a: 1, b: 2 });
  });
});
