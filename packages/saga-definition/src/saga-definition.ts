import type { MessageName } from '@order-saga/contracts';

/** How a completed step is undone. */
export interface CompensationDefinition {
  /** Its name on the order's timeline (`refund`). */
  readonly name: string;
  /** Orchestration: the command the orchestrator sends to undo the step. */
  readonly command: MessageName;
  /** The fact that says the step was undone. */
  readonly completedBy: MessageName;
  /** The fact that says the undo gave up after its own retry budget (COMPENSATION_FAILED). */
  readonly failedBy?: MessageName;
}

/** One step of a saga: who does it, which facts say how it went, and how it is undone. */
export interface StepDefinition {
  /** Its name on the order's timeline (`payment`). */
  readonly name: string;
  /** Orchestration: the command the orchestrator sends to take the step. */
  readonly command: MessageName;
  /** Choreography: the fact its participant reacts to by taking the step. */
  readonly triggeredBy: MessageName;
  /** The fact that says the participant began (optional: most steps are one transaction). */
  readonly startedBy?: MessageName;
  readonly succeededBy: MessageName;
  readonly failedBy: MessageName;
  /** Absent when the step changes nothing that would need undoing. */
  readonly compensation?: CompensationDefinition;
}

/** Bounds of a saga's deadline (milliseconds). Deployments and orders choose within them. */
export interface DeadlineBounds {
  readonly minMs: number;
  readonly maxMs: number;
  readonly defaultMs: number;
}

export interface SagaDefinition {
  readonly name: string;
  /** The fact that starts the saga. */
  readonly startedBy: MessageName;
  /** In order: each step starts when the one before it succeeded. */
  readonly steps: readonly StepDefinition[];
  /**
   * The fact that tells every participant the saga gave up (its deadline passed): each undoes its
   * own step, whatever it knew of the others.
   */
  readonly abortedBy: MessageName;
  readonly deadline: DeadlineBounds;
}

export function stepNamed(definition: SagaDefinition, name: string): StepDefinition {
  const step = definition.steps.find((s) => s.name === name);
  if (step === undefined) throw new Error(`saga ${definition.name} has no step ${name}`);
  return step;
}

export function stepIndex(definition: SagaDefinition, name: string): number {
  return definition.steps.findIndex((s) => s.name === name);
}

export function nextStep(definition: SagaDefinition, name: string): StepDefinition | undefined {
  const index = stepIndex(definition, name);
  return index === -1 ? undefined : definition.steps[index + 1];
}

/** What a fact says about one step of the saga. */
export type StepFact =
  | { readonly role: 'started'; readonly step: StepDefinition }
  | { readonly role: 'succeeded'; readonly step: StepDefinition }
  | { readonly role: 'failed'; readonly step: StepDefinition }
  | { readonly role: 'compensated'; readonly step: StepDefinition }
  | { readonly role: 'compensation-failed'; readonly step: StepDefinition }
  | { readonly role: 'aborted' };

/** Reads a fact against the definition; undefined when the fact is not about this saga's steps. */
export function classifyFact(definition: SagaDefinition, fact: MessageName): StepFact | undefined {
  if (fact === definition.abortedBy) return { role: 'aborted' };
  for (const step of definition.steps) {
    if (fact === step.succeededBy) return { role: 'succeeded', step };
    if (fact === step.failedBy) return { role: 'failed', step };
    if (fact === step.startedBy) return { role: 'started', step };
    if (fact === step.compensation?.completedBy) return { role: 'compensated', step };
    if (fact === step.compensation?.failedBy) return { role: 'compensation-failed', step };
  }
  return undefined;
}

/** Every fact the saga's decider (orders timeline, orchestrator) listens to. */
export function sagaFacts(definition: SagaDefinition): MessageName[] {
  const names = definition.steps.flatMap((step) => [
    ...(step.startedBy === undefined ? [] : [step.startedBy]),
    step.succeededBy,
    step.failedBy,
    ...(step.compensation === undefined ? [] : [step.compensation.completedBy]),
    ...(step.compensation?.failedBy === undefined ? [] : [step.compensation.failedBy]),
  ]);
  return [...new Set(names)];
}

/**
 * Choreography: the facts a step's participant must react to. It takes its step on the step's
 * trigger, and undoes it when any later step fails or when the saga is aborted: the reverse of
 * the step order, seen from one participant.
 */
export function choreographyInputs(
  definition: SagaDefinition,
  stepName: string,
): { readonly action: MessageName; readonly compensation: readonly MessageName[] } {
  const index = stepIndex(definition, stepName);
  const step = stepNamed(definition, stepName);
  const compensation =
    step.compensation === undefined
      ? []
      : [...definition.steps.slice(index + 1).map((later) => later.failedBy), definition.abortedBy];
  return { action: step.triggeredBy, compensation };
}

/**
 * The steps to undo, last done first. `done` are the steps known to have succeeded; `inFlight`
 * the one whose command was sent but whose outcome is not known yet: it is undone first, since
 * it started last (its compensation waits behind it at the participant).
 */
export function compensationOrder(
  definition: SagaDefinition,
  done: readonly string[],
  inFlight?: string,
): StepDefinition[] {
  const names = new Set([...done, ...(inFlight === undefined ? [] : [inFlight])]);
  return definition.steps
    .filter((step) => names.has(step.name) && step.compensation !== undefined)
    .reverse();
}
