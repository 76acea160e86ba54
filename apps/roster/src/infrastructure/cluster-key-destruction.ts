import cluster, { type Worker } from 'node:cluster';
import type { PersonalDataVault } from '@roster/event-store';

/**
 * With ROSTER_API_WORKERS > 1 the API processes share one key store, and each keeps keys and
 * values opened with them in memory (PersonalDataVault). A key destroyed in one (an erasure)
 * must read as destroyed in all of them at once: the destroying worker tells the primary over
 * the cluster's IPC channel, the primary tells every other worker to forget its keys, and
 * destroyKey (so the erasure's answer) waits until they all said they did, or WAIT_MS. A
 * worker that does not answer in time still lets its keys go within their time to live.
 * Nothing personal crosses the channel: the message says that a key was destroyed, not whose.
 */

const DESTROYED = 'roster:key-destroyed';
const DESTROYED_DONE = 'roster:key-destroyed-done';
const FORGET = 'roster:forget-keys';
const FORGOTTEN = 'roster:keys-forgotten';
/** How long the primary waits for the other workers, and the destroying worker for the primary (plus the way back). */
export const KEY_DESTRUCTION_WAIT_MS = 2000;

interface Message {
  readonly type: string;
  readonly id: number;
}

const isMessage = (message: unknown, type: string): message is Message =>
  message !== null && typeof message === 'object' && (message as Message).type === type && typeof (message as Message).id === 'number';

/** This worker's side of the IPC channel to the primary (`process`). */
export interface PrimaryChannel {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  send?(message: unknown): boolean;
}

/**
 * In an API worker: the vault forgets its keys when the primary says another worker destroyed
 * one, and its own destroyKey tells the others through the primary and waits for them.
 * Nothing to do outside a cluster (one process: destroyKey already forgets its own).
 */
export function shareKeyDestruction(vault: PersonalDataVault, channel: PrimaryChannel | undefined = cluster.isWorker ? process : undefined, waitMs = KEY_DESTRUCTION_WAIT_MS + 500): void {
  if (!channel?.send) return;
  const waiting = new Map<number, () => void>();
  let nextId = 0;
  channel.on('message', (message: unknown) => {
    if (isMessage(message, FORGET)) {
      vault.forgetKeys();
      channel.send!({ type: FORGOTTEN, id: message.id } satisfies Message);
    } else if (isMessage(message, DESTROYED_DONE)) {
      waiting.get(message.id)?.();
    }
  });
  vault.tellOthersWith(async () => {
    const id = nextId++;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      waiting.set(id, resolve);
      timer = setTimeout(resolve, waitMs);
      channel.send!({ type: DESTROYED, id } satisfies Message);
    });
    clearTimeout(timer);
    waiting.delete(id);
  });
}

/** The cluster as the primary sees it (a test passes its own). */
export interface WorkerCluster {
  on(event: 'message', listener: (worker: Worker, message: unknown) => void): unknown;
  readonly workers?: NodeJS.Dict<Worker>;
}

/**
 * In the primary: relays a worker's key destruction to every other worker, and answers it
 * once they all forgot their keys (or after `timeoutMs`).
 */
export function relayKeyDestruction(events: WorkerCluster = cluster, timeoutMs = KEY_DESTRUCTION_WAIT_MS): void {
  let nextId = 0;
  const pending = new Map<number, () => void>();
  events.on('message', (from: Worker, message: unknown) => {
    if (isMessage(message, FORGOTTEN)) {
      pending.get(message.id)?.();
      return;
    }
    if (!isMessage(message, DESTROYED)) return;
    const others = Object.values(events.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && worker !== from && worker.isConnected());
    const asked = others.map((worker) => {
      const id = nextId++;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done(): void {
          clearTimeout(timer);
          pending.delete(id);
          resolve();
        }
        pending.set(id, done);
        worker.send({ type: FORGET, id } satisfies Message);
      });
    });
    void Promise.all(asked).then(() => {
      if (from.isConnected()) from.send({ type: DESTROYED_DONE, id: message.id } satisfies Message);
    });
  });
}
