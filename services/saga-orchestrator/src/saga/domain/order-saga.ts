import type { CancellationReason, MessageName, OrderLine } from '@order-saga/contracts';
import {
  ORDER_SAGA,
  classifyFact,
  compensationOrder,
  nextStep,
  type StepFact,
  type SagaDefinition,
  type StepDefinition,
} from '@order-saga/saga-definition';

/**
 * The order saga as an explicit state machine (orchestration mode), driven by the declared
 * definition in @order-saga/saga-definition: each step's command is sent when the step before it
 * succeeded; when a step fails, or the deadline passes, the steps done so far are undone one at a
 * time, last done first (after temporalio's saga sample). Pure: no I/O, no clock.
 *
 *   RUNNING ──▶ COMPLETED                          every step succeeded
 *   RUNNING ──▶ FAILED                             the first step failed: nothing to undo
 *   RUNNING ──▶ COMPENSATING ──▶ COMPENSATED       a step failed, or the deadline passed
 *   COMPENSATING ──▶ COMPENSATION_FAILED ──▶ COMPENSATING   an undo gave up; an operator retried it
 */
export const SAGA_STATUSES = [
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'COMPENSATING',
  'COMPENSATED',
  'COMPENSATION_FAILED',
] as const;
export type SagaStatus = (typeof SAGA_STATUSES)[number];

export interface OrderSnapshot {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentMethod: string;
  readonly items: readonly OrderLine[];
  /** Carried so messages the orchestrator sends on its own (deadline) join the order's trace. */
  readonly correlationId?: string;
  readonly traceparent?: string | null;
}

export interface SagaState {
  readonly status: SagaStatus;
  /** The step running (RUNNING), being undone (COMPENSATING...), or DONE. */
  readonly step: string;
  /** Steps that succeeded, in order. */
  readonly done: readonly string[];
  /** Steps still to undo, next first (COMPENSATING and COMPENSATION_FAILED only). */
  readonly compensations: readonly string[];
  readonly order: OrderSnapshot;
  readonly reason: CancellationReason | null;
  /** Why the last compensation gave up (COMPENSATION_FAILED). */
  readonly error: string | null;
}

export type SagaFact =
  | { readonly kind: 'OrderCreated'; readonly order: OrderSnapshot }
  /** The clock: the saga's deadline passed while it was running. */
  | { readonly kind: 'DeadlineExceeded' }
  | {
      readonly kind: 'StepFact';
      readonly message: MessageName;
      /** Why a step failed, in the order's vocabulary (InventoryFailed carries it). */
      readonly reason?: CancellationReason;
      readonly error?: string;
    };

/** What the orchestrator sends as a result of a decision. */
export type SagaOutput =
  | { readonly kind: 'action'; readonly step: StepDefinition }
  | {
      readonly kind: 'compensation';
      readonly step: StepDefinition;
      readonly reason: CancellationReason;
    }
  /** Tells the orders service (and the audit trail) the saga gave up; names the known undos. */
  | { readonly kind: 'deadline-exceeded'; readonly compensations: readonly string[] };

export type Decision =
  | { readonly apply: true; readonly state: SagaState; readonly outputs: readonly SagaOutput[] }
  | { readonly apply: false; readonly why: string };

const DONE = 'DONE';

/** A failed step's reason when its fact carries none (a payment failure cancels the order). */
function failureReason(step: StepDefinition, reason?: CancellationReason): CancellationReason {
  return reason ?? (step.name === 'payment' ? 'PAYMENT_FAILED' : 'OUT_OF_STOCK');
}

function undo(
  state: SagaState,
  toUndo: readonly StepDefinition[],
  reason: CancellationReason,
): { state: SagaState; outputs: SagaOutput[] } {
  const head = toUndo[0];
  if (head === undefined) {
    return {
      state: { ...state, status: 'COMPENSATED', step: DONE, compensations: [], reason },
      outputs: [],
    };
  }
  return {
    state: {
      ...state,
      status: 'COMPENSATING',
      step: head.name,
      compensations: toUndo.map((s) => s.name),
      reason,
    },
    outputs: [{ kind: 'compensation', step: head, reason }],
  };
}

/** The compensation under way is over (done, or moot): the next one starts, if any. */
function settle(
  definition: SagaDefinition,
  state: SagaState,
): { state: SagaState; outputs: SagaOutput[] } {
  const rest = state.compensations
    .slice(1)
    .map((name) => definition.steps.find((s) => s.name === name))
    .filter((s) => s !== undefined);
  return undo({ ...state, error: null }, rest, state.reason ?? 'DEADLINE_EXCEEDED');
}

export function decide(
  state: SagaState | undefined,
  fact: SagaFact,
  definition: SagaDefinition = ORDER_SAGA,
): Decision {
  if (state === undefined) {
    const first = definition.steps[0];
    if (fact.kind !== 'OrderCreated' || first === undefined)
      return { apply: false, why: `no saga for ${fact.kind}` };
    return {
      apply: true,
      state: {
        status: 'RUNNING',
        step: first.name,
        done: [],
        compensations: [],
        order: fact.order,
        reason: null,
        error: null,
      },
      outputs: [{ kind: 'action', step: first }],
    };
  }
  if (fact.kind === 'OrderCreated') return { apply: false, why: 'saga already started' };
  const at = `${state.status}/${state.step}`;
  const ignore = (what: string): Decision => ({
    apply: false,
    why: `${what} does not apply at ${at}`,
  });

  if (fact.kind === 'DeadlineExceeded') {
    if (state.status !== 'RUNNING') return ignore('DeadlineExceeded');
    // The running step's command was sent: its effect may still happen, so it is undone too,
    // first. Its compensation queues behind it at its participant (same topic, same key).
    const toUndo = compensationOrder(definition, state.done, state.step);
    const known = compensationOrder(definition, state.done).map((s) => s.name);
    const next = undo(state, toUndo, 'DEADLINE_EXCEEDED');
    return {
      apply: true,
      state: next.state,
      outputs: [{ kind: 'deadline-exceeded', compensations: known }, ...next.outputs],
    };
  }

  const read = classifyFact(definition, fact.message);
  if (read === undefined || read.role === 'aborted' || read.role === 'started')
    return ignore(fact.message);
  switch (state.status) {
    case 'RUNNING':
      return read.step.name === state.step
        ? (running(definition, state, read, fact) ?? ignore(fact.message))
        : ignore(fact.message);
    case 'COMPENSATING':
    case 'COMPENSATION_FAILED':
      // Compensations run one at a time: only facts about the one under way move the saga.
      return state.compensations[0] === read.step.name
        ? (undoing(definition, state, read, fact) ?? ignore(fact.message))
        : ignore(fact.message);
    default:
      return ignore(fact.message);
  }
}

/** A fact about one step, as the definition reads it (starts and aborts are decided above). */
type StepOutcome = Exclude<StepFact, { role: 'aborted' | 'started' }>;
type StepFactInput = Extract<SagaFact, { kind: 'StepFact' }>;

/**
 * A fact about the running step: the saga moves on, or turns to undoing what it did; undefined
 * when it moves nothing.
 */
function running(
  definition: SagaDefinition,
  state: SagaState,
  read: StepOutcome,
  fact: StepFactInput,
): Decision | undefined {
  switch (read.role) {
    case 'succeeded': {
      const done = [...state.done, state.step];
      const next = nextStep(definition, state.step);
      if (next === undefined)
        return {
          apply: true,
          state: { ...state, status: 'COMPLETED', step: DONE, done },
          outputs: [],
        };
      return {
        apply: true,
        state: { ...state, step: next.name, done },
        outputs: [{ kind: 'action', step: next }],
      };
    }
    case 'failed': {
      const reason = failureReason(read.step, fact.reason);
      const toUndo = compensationOrder(definition, state.done);
      if (toUndo.length === 0)
        return {
          apply: true,
          state: { ...state, status: 'FAILED', step: DONE, reason },
          outputs: [],
        };
      return { apply: true, ...undo(state, toUndo, reason) };
    }
    // The step has nothing being undone while it runs.
    case 'compensated':
    case 'compensation-failed':
      return undefined;
  }
}

/** A fact about the compensation under way; undefined when it moves nothing. */
function undoing(
  definition: SagaDefinition,
  state: SagaState,
  read: StepOutcome,
  fact: StepFactInput,
): Decision | undefined {
  switch (read.role) {
    case 'compensated':
      return { apply: true, ...settle(definition, state) };
    // The step was in flight when the saga gave up, and failed after all: nothing to undo.
    case 'failed':
      return state.status === 'COMPENSATING'
        ? { apply: true, ...settle(definition, state) }
        : undefined;
    case 'compensation-failed':
      return {
        apply: true,
        state: { ...state, status: 'COMPENSATION_FAILED', error: fact.error ?? 'unknown' },
        outputs: [],
      };
    // A late success of the step being undone: its compensation is already queued behind it.
    case 'succeeded':
      return undefined;
  }
}

export function isSagaStatus(value: string): value is SagaStatus {
  return (SAGA_STATUSES as readonly string[]).includes(value);
}
