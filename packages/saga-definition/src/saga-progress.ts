import type { MessageName } from '@order-saga/contracts';
import { classifyFact, nextStep, type SagaDefinition } from './saga-definition';

/**
 * Status of a step, or of a step's compensation, on the saga's timeline. Statuses only move up
 * this rank, so a late or duplicate fact never rewinds a step: a compensation that FAILED can
 * still succeed when an operator retries it, and a SKIPPED step can still be seen to succeed
 * when a late fact says its participant acted after all (it is then undone).
 */
export const STEP_STATUS_RANK = {
  PENDING: 0,
  IN_PROGRESS: 1,
  FAILED: 2,
  SKIPPED: 2,
  SUCCEEDED: 3,
  COMPENSATED: 4,
} as const;

export type StepStatus = keyof typeof STEP_STATUS_RANK;
export const STEP_STATUSES = Object.keys(STEP_STATUS_RANK) as StepStatus[];

export function canMove(from: StepStatus, to: StepStatus): boolean {
  return STEP_STATUS_RANK[from] < STEP_STATUS_RANK[to];
}

/** A status change on the timeline: `name` is a step's or a compensation's name. */
export interface StepUpdate {
  readonly name: string;
  readonly status: StepStatus;
}

export type StepStatuses = ReadonlyMap<string, StepStatus>;

/**
 * What a fact does to the saga's steps. `current` holds the timeline so far (steps and
 * compensations by name; missing means PENDING); `active` is false once the saga gave up or
 * ended, so a late success no longer starts the step after it. Updates the rank forbids are
 * left out: the result applies as is.
 */
export function stepUpdates(
  definition: SagaDefinition,
  fact: MessageName,
  current: StepStatuses,
  active: boolean,
): StepUpdate[] {
  const read = classifyFact(definition, fact);
  const statusOf = (name: string): StepStatus => current.get(name) ?? 'PENDING';
  const updates: StepUpdate[] = [];
  const set = (name: string, status: StepStatus): void => {
    if (canMove(statusOf(name), status)) updates.push({ name, status });
  };
  if (read === undefined) return updates;
  switch (read.role) {
    case 'started':
      set(read.step.name, 'IN_PROGRESS');
      break;
    case 'succeeded': {
      set(read.step.name, 'SUCCEEDED');
      const next = nextStep(definition, read.step.name);
      if (active && next !== undefined) set(next.name, 'IN_PROGRESS');
      break;
    }
    case 'failed': {
      set(read.step.name, 'FAILED');
      const index = definition.steps.indexOf(read.step);
      for (const later of definition.steps.slice(index + 1)) set(later.name, 'SKIPPED');
      // Everything done before it is undone, last done first.
      for (const earlier of definition.steps.slice(0, index)) {
        if (earlier.compensation !== undefined && statusOf(earlier.name) === 'SUCCEEDED')
          set(earlier.compensation.name, 'IN_PROGRESS');
      }
      break;
    }
    case 'compensated':
      if (read.step.compensation !== undefined) set(read.step.compensation.name, 'SUCCEEDED');
      set(read.step.name, 'COMPENSATED');
      break;
    case 'compensation-failed':
      if (read.step.compensation !== undefined) set(read.step.compensation.name, 'FAILED');
      break;
    case 'aborted':
      for (const step of definition.steps) {
        const status = statusOf(step.name);
        if (status === 'PENDING') set(step.name, 'SKIPPED');
        if (status === 'SUCCEEDED' && step.compensation !== undefined)
          set(step.compensation.name, 'IN_PROGRESS');
      }
      break;
  }
  return updates;
}

/** The saga at a glance, as GET /orders/{id} shows it. Names are step names, in saga order. */
export interface SagaProgress {
  /** Succeeded and not undone. */
  readonly done: readonly string[];
  /** Started, outcome not known yet. */
  readonly running: readonly string[];
  /** Not started and still to come (empty once the saga gave up or ended). */
  readonly remaining: readonly string[];
  readonly failed: readonly string[];
  /** Steps whose compensation is under way. */
  readonly compensating: readonly string[];
  /** Steps undone. */
  readonly compensated: readonly string[];
  /** Steps whose compensation gave up (COMPENSATION_FAILED until an operator retries). */
  readonly compensationFailed: readonly string[];
}

export function summarize(definition: SagaDefinition, statuses: StepStatuses): SagaProgress {
  const of = (name: string): StepStatus => statuses.get(name) ?? 'PENDING';
  const where = (test: (step: SagaDefinition['steps'][number]) => boolean): string[] =>
    definition.steps.filter(test).map((step) => step.name);
  const compensation = (step: SagaDefinition['steps'][number]): StepStatus | undefined =>
    step.compensation === undefined ? undefined : of(step.compensation.name);
  return {
    done: where(
      (s) => of(s.name) === 'SUCCEEDED' && [undefined, 'PENDING'].includes(compensation(s)),
    ),
    running: where((s) => of(s.name) === 'IN_PROGRESS'),
    remaining: where((s) => of(s.name) === 'PENDING'),
    failed: where((s) => of(s.name) === 'FAILED'),
    compensating: where((s) => compensation(s) === 'IN_PROGRESS'),
    compensated: where((s) => of(s.name) === 'COMPENSATED'),
    compensationFailed: where((s) => compensation(s) === 'FAILED'),
  };
}
