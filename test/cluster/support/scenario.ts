import { runLoad, sleep, type LoadResult } from '../../e2e/faults/support/load';

/** One step of a scenario: what was done, when it began and when it was over (ms since the epoch). */
export interface ScenarioEvent {
  what: string;
  startedAt: number;
  endedAt: number;
}

/** A step: a label and what it does (stop a node, restart Redis…). */
export interface Step {
  what: string;
  run: () => Promise<unknown>;
  /** Load-only time to leave before the next step, so each change is seen on its own. */
  settleMs?: number;
}

/** The load and the steps as they happened. */
export interface ScenarioResult {
  load: LoadResult;
  events: ScenarioEvent[];
}

/**
 * Runs `load` (a bounded runLoad, stopped when the steps are over) while doing `steps` one after the other, each
 * group of steps given as an array running at once; `warmMs` of load before the first and `tailMs` after the last.
 */
export async function runScenario(options: {
  load: Omit<Parameters<typeof runLoad>[0], 'until'>;
  steps: (Step | Step[])[];
  warmMs: number;
  tailMs: number;
}): Promise<ScenarioResult> {
  let done = false;
  const events: ScenarioEvent[] = [];
  const loading = runLoad({ ...options.load, until: () => done });
  try {
    await sleep(options.warmMs);
    for (const entry of options.steps) {
      const group = Array.isArray(entry) ? entry : [entry];
      await Promise.all(
        group.map(async (step) => {
          const startedAt = Date.now();
          await step.run();
          events.push({ what: step.what, startedAt, endedAt: Date.now() });
        }),
      );
      await sleep(Math.max(...group.map((s) => s.settleMs ?? 0)));
    }
    await sleep(options.tailMs);
  } finally {
    done = true;
  }
  return { load: await loading, events };
}
