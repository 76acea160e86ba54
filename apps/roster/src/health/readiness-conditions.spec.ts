import type { EventStore, RecordedEvent } from '@roster/event-store';
import type { ReadModelsService } from '../queries/read-models.service';
import { readModelsWithinLag, writerAlive } from './readiness-conditions';

const NOW = Date.parse('2026-12-02T12:00:00Z');

/** A store whose head is `head` and whose event after `position` was recorded `ageSeconds` ago. */
function storeAt(head: bigint, ageSeconds: number): EventStore {
  return {
    headPosition: async () => head,
    async *readAll({ fromPosition = 0n } = {}) {
      if (fromPosition < head) yield { position: fromPosition + 1n, recordedAt: new Date(NOW - ageSeconds * 1000) } as RecordedEvent;
    },
    health: () => ({ writable: true }),
  } as unknown as EventStore;
}

const readModelsAt = (position: bigint) => ({ readPosition: async () => position }) as unknown as ReadModelsService;

describe('readModelsWithinLag', () => {
  it('is ready at the head, with lag 0', async () => {
    const state = await readModelsWithinLag(storeAt(42n, 100), readModelsAt(42n), 30, () => NOW).check();
    expect(state).toEqual({ ready: true, figures: { position: '42', headPosition: '42', lagSeconds: 0, maxLagSeconds: 30 } });
  });

  it('is ready behind the head while the oldest event not applied is within the limit', async () => {
    const state = await readModelsWithinLag(storeAt(42n, 12.5), readModelsAt(40n), 30, () => NOW).check();
    expect(state).toMatchObject({ ready: true, figures: { position: '40', headPosition: '42', lagSeconds: 12.5 } });
  });

  it('is not ready once that event is older than the limit, and says by how much', async () => {
    const state = await readModelsWithinLag(storeAt(42n, 31), readModelsAt(0n), 30, () => NOW).check();
    expect(state).toEqual({
      ready: false,
      detail: 'the read models are 31.000 s behind the event store (at most 30 s)',
      figures: { position: '0', headPosition: '42', lagSeconds: 31, maxLagSeconds: 30 },
    });
  });
});

describe('writerAlive', () => {
  it("answers the store's health with its code", async () => {
    const store = { health: () => ({ writable: false, code: 'STORE.WRITER_FAILED', detail: 'restart the service' }) } as unknown as EventStore;
    expect(await writerAlive(store).check()).toEqual({ ready: false, detail: 'restart the service', figures: { writable: false, code: 'STORE.WRITER_FAILED' } });
  });
});
