import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryCheckpointStore } from '../checkpoint-store.port';
import { SqliteCheckpointStore } from './sqlite-checkpoint-store';

describe('SqliteCheckpointStore', () => {
  it('returns undefined for an unknown name, then the last saved position, across reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-cp-'));
    const path = join(dir, 'sub', 'events.sqlite');
    try {
      const first = new SqliteCheckpointStore({ path });
      expect(await first.load('members')).toBeUndefined();
      await first.save('members', 5n);
      await first.save('members', 2n ** 62n);
      await first.save('publisher', 7n);
      await first.close();
      const second = new SqliteCheckpointStore(path);
      expect(await second.load('members')).toBe(2n ** 62n);
      expect(await second.load('publisher')).toBe(7n);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never moves a checkpoint back: a save with a lower position changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-cp-'));
    try {
      const store = new SqliteCheckpointStore(join(dir, 'checkpoints.sqlite'));
      await store.save('publisher', 10n);
      await store.save('publisher', 4n);
      expect(await store.load('publisher')).toBe(10n);
      await store.save('publisher', 10n);
      await store.save('publisher', 11n);
      expect(await store.load('publisher')).toBe(11n);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('InMemoryCheckpointStore', () => {
  it('keeps the last saved position per name', async () => {
    const store = new InMemoryCheckpointStore();
    expect(await store.load('a')).toBeUndefined();
    await store.save('a', 3n);
    await store.save('a', 4n);
    expect(await store.load('a')).toBe(4n);
    await store.save('a', 2n);
    expect(await store.load('a')).toBe(4n);
    expect(await store.load('b')).toBeUndefined();
  });
});
