/** A figure behind a readiness answer: a position (decimal string), a count, a duration, a flag. */
export type ReadinessFigure = string | number | boolean | null;

/** One condition's answer: ready or not, why not, and the figures it decided from. */
export interface ConditionState {
  readonly ready: boolean;
  /** Why it is not ready, in a sentence (never personal data). */
  readonly detail?: string;
  readonly figures: Readonly<Record<string, ReadinessFigure>>;
}

/** Something the process needs to serve its work; checked at every /health/ready. */
export interface ReadinessCondition {
  /** Stable camelCase key in the answer, e.g. `readModels`. */
  readonly name: string;
  check(): Promise<ConditionState>;
}

export interface ReadinessAnswer {
  readonly ready: boolean;
  readonly conditions: Readonly<Record<string, ConditionState>>;
}

/** Below Kubernetes' default probe timeout (1 s): a condition that has not answered by then is not ready. */
export const READINESS_CHECK_TIMEOUT_MS = 800;

/**
 * Every condition at once, each cut off after `timeoutMs`: one that throws or hangs is not
 * ready, and the others still answer with their figures.
 */
export async function assessReadiness(conditions: readonly ReadinessCondition[], timeoutMs = READINESS_CHECK_TIMEOUT_MS): Promise<ReadinessAnswer> {
  const states = await Promise.all(conditions.map((condition) => checkWithin(condition, timeoutMs)));
  const answer: Record<string, ConditionState> = {};
  conditions.forEach((condition, i) => (answer[condition.name] = states[i]));
  return { ready: states.every((state) => state.ready), conditions: answer };
}

async function checkWithin(condition: ReadinessCondition, timeoutMs: number): Promise<ConditionState> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<ConditionState>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, detail: `did not answer within ${timeoutMs} ms`, figures: {} }), timeoutMs);
  });
  try {
    return await Promise.race([
      condition.check().catch((error: unknown) => ({
        ready: false,
        // The error's class only: adapters' messages may quote what they were given.
        detail: `failed (${error instanceof Error ? error.name : 'error'})`,
        figures: {},
      })),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Injection token: the ReadinessCondition[] of this process (readiness-conditions.ts). */
export const READINESS_CONDITIONS = Symbol('READINESS_CONDITIONS');
