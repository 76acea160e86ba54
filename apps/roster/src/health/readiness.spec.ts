import { assessReadiness, type ReadinessCondition } from './readiness';

const holds = (name: string): ReadinessCondition => ({ name, check: async () => ({ ready: true, figures: { n: 1 } }) });

describe('assessReadiness', () => {
  it('is ready when every condition holds, and names each with its figures', async () => {
    const answer = await assessReadiness([holds('a'), holds('b')]);
    expect(answer).toEqual({ ready: true, conditions: { a: { ready: true, figures: { n: 1 } }, b: { ready: true, figures: { n: 1 } } } });
  });

  it('is not ready when a condition throws; the error message is not repeated, the others still answer', async () => {
    const failing: ReadinessCondition = { name: 'bad', check: async () => Promise.reject(new TypeError('secret@example.org')) };
    const answer = await assessReadiness([holds('a'), failing]);
    expect(answer.ready).toBe(false);
    expect(answer.conditions.a.ready).toBe(true);
    expect(answer.conditions.bad).toEqual({ ready: false, detail: 'failed (TypeError)', figures: {} });
  });

  it('is not ready when a condition does not answer in time', async () => {
    const hangs: ReadinessCondition = { name: 'slow', check: () => new Promise(() => undefined) };
    const answer = await assessReadiness([hangs], 20);
    expect(answer.ready).toBe(false);
    expect(answer.conditions.slow).toMatchObject({ ready: false, detail: 'did not answer within 20 ms' });
  });
});
