import { EventEmitter } from 'node:events';
import type { Worker } from 'node:cluster';
import type { PersonalDataVault } from '@roster/event-store';
import { relayKeyDestruction, shareKeyDestruction } from './cluster-key-destruction';

/** What shareKeyDestruction uses of a vault: the hook destroyKey calls, and forgetKeys. */
class FakeVault {
  forgotten = 0;
  tellOthers: (() => Promise<void>) | undefined;
  tellOthersWith(notify: () => Promise<void>): void {
    this.tellOthers = notify;
  }
  forgetKeys(): void {
    this.forgotten++;
  }
  /** As PersonalDataVault.destroyKey ends: tells the others and waits for them. */
  async destroyKey(): Promise<void> {
    await this.tellOthers?.();
  }
}

/** A primary and `count` workers joined by in-memory channels; `deaf` workers never read their channel. */
function cluster(count: number, deaf: readonly number[] = [], primaryTimeoutMs = 1000) {
  const primary = new EventEmitter() as EventEmitter & { workers: Record<string, Worker> };
  primary.workers = {};
  const vaults = Array.from({ length: count }, (_, i) => {
    const channel = new EventEmitter() as EventEmitter & { send: (message: unknown) => boolean };
    const worker = {
      isConnected: () => true,
      send: (message: unknown) => (deaf.includes(i) ? true : channel.emit('message', message)),
    } as unknown as Worker;
    primary.workers[String(i)] = worker;
    channel.send = (message) => primary.emit('message', worker, message);
    const vault = new FakeVault();
    shareKeyDestruction(vault as unknown as PersonalDataVault, channel, 2000);
    return vault;
  });
  relayKeyDestruction(primary as never, primaryTimeoutMs);
  return vaults;
}

describe('a key destroyed among several API workers', () => {
  it('is forgotten by every other worker before destroyKey returns, not by the one that destroyed it (it forgot its own)', async () => {
    const [a, b, c] = cluster(3);
    await a.destroyKey();
    expect([a.forgotten, b.forgotten, c.forgotten]).toEqual([0, 1, 1]);
    await Promise.all([b.destroyKey(), c.destroyKey()]);
    expect([a.forgotten, b.forgotten, c.forgotten]).toEqual([2, 2, 2]);
  });

  it('does not hold destroyKey past the wait when a worker does not answer', async () => {
    const [a, b, c] = cluster(3, [2], 50);
    await a.destroyKey();
    expect([b.forgotten, c.forgotten]).toEqual([1, 0]);
  });

  it('does nothing outside a cluster (no channel to a primary)', async () => {
    const vault = new FakeVault();
    shareKeyDestruction(vault as unknown as PersonalDataVault, undefined);
    expect(vault.tellOthers).toBeUndefined();
  });
});
