// The order the load phases run in and when the load stops. Fixed rates always run (the targets
// are stated at them), each followed by a drain. The step ladder runs only if every fixed rate
// kept up; otherwise one step between the highest rate that kept up and the lowest that did not
// narrows the knee. The load stops early when the time budget is spent or a phase leaves sagas
// unfinished.
import { epochNow } from './http-client.ts';
import type { PhasePlan } from './phase-plan.ts';
import type { PhaseRunner } from './phase-runner.ts';
import type { PhaseResult, PhaseSpec } from './phases.ts';
import { progress } from './progress.ts';
import { loadDeadlineAt } from './run-clock.ts';

export interface PhasesRun {
  readonly phases: PhaseResult[];
  /** Why the load stopped before the plan was done, if it did. */
  readonly stopped: string | undefined;
  /** CPU cores per process group with no load, measured after the warm-up. */
  readonly idle: Record<string, number> | undefined;
}

export async function runPhases(
  runner: PhaseRunner,
  plan: PhasePlan,
  noSteps: boolean,
): Promise<PhasesRun> {
  const phases: PhaseResult[] = [];
  let stopped: string | undefined;
  let idle: Record<string, number> | undefined;
  const queue = [...plan.fixed];
  let lastKeptUp = 0;
  let firstMissed = Number.POSITIVE_INFINITY;
  const nextSteps = (): PhaseSpec[] => stepsAfterFixed(plan, noSteps, lastKeptUp, firstMissed);
  for (let spec = queue.shift(); spec !== undefined; spec = queue.shift()) {
    const needed = spec.durationMs + 20_000;
    if (epochNow() + needed > loadDeadlineAt()) {
      stopped = `time budget: skipped ${spec.name} and later phases`;
      progress(stopped);
      break;
    }
    const result = await runner.run(spec, idle);
    phases.push(result);
    if (spec.role === 'warmup' && idle === undefined) idle = await runner.measureIdle();
    if (result.correctness.missing.length > 0) {
      // Sagas still unfinished after the drain: later phases would measure this backlog
      // (or a stalled pipeline, e.g. a dead consumer), not the rate they offer.
      stopped = `stopped after ${spec.name}: ${result.correctness.missing.length} sagas unfinished after the drain`;
      progress(stopped);
      break;
    }
    if (spec.kind !== 'open' || spec.role === 'warmup') {
      if (queue.length === 0 && spec.role !== 'step') queue.push(...nextSteps());
      continue;
    }
    if (result.keepsUp) lastKeptUp = Math.max(lastKeptUp, spec.rate);
    else firstMissed = Math.min(firstMissed, spec.rate);
    if (spec.role === 'step' && !result.keepsUp) break;
    if (queue.length === 0 && spec.role === 'fixed') queue.push(...nextSteps());
  }
  return { phases, stopped, idle };
}

/**
 * What follows the fixed rates: the whole ladder if every rate kept up, else one step halfway
 * (rounded to 25/s) between the highest rate that kept up and the lowest that missed, if there
 * is room for one.
 */
export function stepsAfterFixed(
  plan: PhasePlan,
  noSteps: boolean,
  lastKeptUp: number,
  firstMissed: number,
): PhaseSpec[] {
  if (noSteps) return [];
  if (firstMissed === Number.POSITIVE_INFINITY) return plan.steps;
  const between = Math.round((lastKeptUp + firstMissed) / 2 / 25) * 25;
  const template = plan.steps[0];
  if (template === undefined || between <= lastKeptUp || between >= firstMissed) return [];
  return [{ ...template, name: `step ${between}/s`, rate: between }];
}
