import type { CommandContext, OrganizationCommand } from './commands';
import type { OrganizationEvent } from './events';
import { decide } from './organization.decide';
import { evolve, initialState, type EvolveMeta, type OrganizationState } from './organization.state';

/**
 * The decider pattern in one type: a command handler loads the events, folds them with
 * `evolve` from `initialState`, asks `decide`, and appends what it returns. Nothing else.
 */
export interface Decider<Command, Event, State, Context, Meta = unknown> {
  readonly initialState: State;
  /** Pure and total: never throws on a recorded event. */
  readonly evolve: (state: State, event: Event, meta?: Meta) => State;
  /** Pure: the events to record, or a thrown refusal. */
  readonly decide: (command: Command, state: State, context: Context) => Event[];
}

export type OrganizationDecider = Decider<OrganizationCommand, OrganizationEvent, OrganizationState, CommandContext, EvolveMeta>;

export const organizationDecider: OrganizationDecider = {
  initialState,
  evolve,
  decide,
};
