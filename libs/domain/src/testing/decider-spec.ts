import type { Decider } from '../decider';
import { DomainError, type DomainErrorKind } from '../errors';

/**
 * Given/when/then for deciders (Emmett style):
 *   given(events).when(command, context).then(expectedEvents)
 *   given(events).when(command, context).thenThrows('conflict', 'MEMBERSHIP.LAST_ADMIN')
 * The given events are folded with the decider's evolve; `then` compares the decided events
 * exactly; `thenThrows` requires a DomainError of that kind and code.
 */
export function deciderSpec<Command, Event, State, Context>(decider: Decider<Command, Event, State, Context, any>) {
  return function given(events: readonly Event[]) {
    return {
      when(command: Command, context: Context) {
        const run = () => decider.decide(command, events.reduce<State>((s, e) => decider.evolve(s, e), decider.initialState), context);
        return {
          then(expected: readonly Event[]): Event[] {
            const actual = run();
            expect(actual).toEqual(expected);
            return actual;
          },
          thenThrows(kind: DomainErrorKind, code?: string): DomainError {
            let thrown: unknown;
            try {
              run();
            } catch (error) {
              thrown = error;
            }
            expect(thrown).toBeInstanceOf(DomainError);
            const error = thrown as DomainError;
            expect({ kind: error.kind, code: code === undefined ? undefined : error.code }).toEqual({ kind, code });
            return error;
          },
        };
      },
    };
  };
}
