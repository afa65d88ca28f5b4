import { describe, expect, it } from 'vitest';
import type { MessageName } from '@order-saga/contracts';
import { ORDER_SAGA, sagaFacts } from '@order-saga/saga-definition';
import {
  decide,
  SAGA_STATUSES,
  type OrderSnapshot,
  type SagaFact,
  type SagaOutput,
  type SagaState,
} from './order-saga';

const order: OrderSnapshot = {
  orderId: '3f0e1c8e-6a9b-4b8e-9a51-0d6f1d3f2a10',
  amount: 1_000,
  currency: 'EUR',
  paymentMethod: 'pm_card_visa',
  items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1_000 }],
};

const base: SagaState = {
  status: 'RUNNING',
  step: 'payment',
  done: [],
  compensations: [],
  order,
  reason: null,
  error: null,
};

/** Every state a saga can be in, one representative each (named `status/step`). */
const STATES: Record<string, SagaState | undefined> = {
  none: undefined,
  'RUNNING/payment': base,
  'RUNNING/inventory': { ...base, step: 'inventory', done: ['payment'] },
  'COMPLETED/DONE': { ...base, status: 'COMPLETED', step: 'DONE', done: ['payment', 'inventory'] },
  'FAILED/DONE': { ...base, status: 'FAILED', step: 'DONE', reason: 'PAYMENT_DECLINED' },
  // Deadline while inventory was in flight: undo it first, then the payment.
  'COMPENSATING/inventory': {
    ...base,
    status: 'COMPENSATING',
    step: 'inventory',
    done: ['payment'],
    compensations: ['inventory', 'payment'],
    reason: 'DEADLINE_EXCEEDED',
  },
  'COMPENSATING/payment': {
    ...base,
    status: 'COMPENSATING',
    step: 'payment',
    done: ['payment'],
    compensations: ['payment'],
    reason: 'OUT_OF_STOCK',
  },
  'COMPENSATION_FAILED/payment': {
    ...base,
    status: 'COMPENSATION_FAILED',
    step: 'payment',
    done: ['payment'],
    compensations: ['payment'],
    reason: 'OUT_OF_STOCK',
    error: 'refund refused',
  },
  'COMPENSATED/DONE': {
    ...base,
    status: 'COMPENSATED',
    step: 'DONE',
    done: ['payment'],
    reason: 'OUT_OF_STOCK',
  },
};

function factFor(name: MessageName | 'DeadlineExceeded'): SagaFact {
  if (name === 'DeadlineExceeded') return { kind: 'DeadlineExceeded' };
  if (name === 'OrderCreated') return { kind: 'OrderCreated', order };
  if (name === 'InventoryFailed')
    return { kind: 'StepFact', message: name, reason: 'OUT_OF_STOCK' };
  if (name === 'PaymentRefundFailed')
    return { kind: 'StepFact', message: name, error: 'refund refused' };
  return { kind: 'StepFact', message: name };
}

const FACTS: Array<MessageName | 'DeadlineExceeded'> = [
  'OrderCreated',
  'DeadlineExceeded',
  ...sagaFacts(ORDER_SAGA),
];

const described = (outputs: readonly SagaOutput[]): string[] =>
  outputs.map((o) =>
    o.kind === 'action'
      ? `do ${o.step.name}`
      : o.kind === 'compensation'
        ? `undo ${o.step.name} (${o.reason})`
        : `deadline-exceeded [${o.compensations.join(',')}]`,
  );

/**
 * The whole transition table: [state, fact] -> [next status/step, outputs]. Any pair not listed
 * must be ignored (the saga unchanged, nothing sent).
 */
const ALLOWED: Record<string, [string, string[]]> = {
  'none + OrderCreated': ['RUNNING/payment', ['do payment']],
  'RUNNING/payment + PaymentConfirmed': ['RUNNING/inventory', ['do inventory']],
  'RUNNING/payment + PaymentFailed': ['FAILED/DONE', []],
  'RUNNING/payment + DeadlineExceeded': [
    'COMPENSATING/payment',
    ['deadline-exceeded []', 'undo payment (DEADLINE_EXCEEDED)'],
  ],
  'RUNNING/inventory + InventoryReserved': ['COMPLETED/DONE', []],
  'RUNNING/inventory + InventoryFailed': ['COMPENSATING/payment', ['undo payment (OUT_OF_STOCK)']],
  'RUNNING/inventory + DeadlineExceeded': [
    'COMPENSATING/inventory',
    ['deadline-exceeded [payment]', 'undo inventory (DEADLINE_EXCEEDED)'],
  ],
  'COMPENSATING/inventory + InventoryReleased': [
    'COMPENSATING/payment',
    ['undo payment (DEADLINE_EXCEEDED)'],
  ],
  // The in-flight reservation failed after all: nothing to release, go on with the refund.
  'COMPENSATING/inventory + InventoryFailed': [
    'COMPENSATING/payment',
    ['undo payment (DEADLINE_EXCEEDED)'],
  ],
  'COMPENSATING/payment + PaymentRefunded': ['COMPENSATED/DONE', []],
  'COMPENSATING/payment + PaymentFailed': ['COMPENSATED/DONE', []],
  'COMPENSATING/payment + PaymentRefundFailed': ['COMPENSATION_FAILED/payment', []],
  // An operator retried the refund: it went through, or failed again.
  'COMPENSATION_FAILED/payment + PaymentRefunded': ['COMPENSATED/DONE', []],
  'COMPENSATION_FAILED/payment + PaymentRefundFailed': ['COMPENSATION_FAILED/payment', []],
};

describe('order saga (orchestration), decided from the declared definition', () => {
  const pairs = Object.keys(STATES).flatMap((state) => FACTS.map((fact) => [state, fact] as const));

  it.each(pairs)('%s + %s: applies only if the table allows it', (stateName, factName) => {
    const decision = decide(STATES[stateName], factFor(factName));
    const expected = ALLOWED[`${stateName} + ${factName}`];
    if (expected === undefined) {
      expect(decision.apply).toBe(false);
      return;
    }
    expect(decision.apply).toBe(true);
    if (!decision.apply) return;
    expect(`${decision.state.status}/${decision.state.step}`).toBe(expected[0]);
    expect(described(decision.outputs)).toEqual(expected[1]);
  });

  it('lists only real pairs in its table', () => {
    for (const key of Object.keys(ALLOWED)) {
      const [state, fact] = key.split(' + ');
      expect(Object.keys(STATES)).toContain(state);
      expect(FACTS).toContain(fact);
    }
  });

  it('reaches only the statuses it declares', () => {
    for (const [next] of Object.values(ALLOWED))
      expect(SAGA_STATUSES).toContain(next.split('/')[0]);
  });

  function run(facts: SagaFact[]): { state: SagaState | undefined; sent: string[] } {
    let state: SagaState | undefined;
    const sent: string[] = [];
    for (const fact of facts) {
      const decision = decide(state, fact);
      if (!decision.apply) continue;
      state = decision.state;
      sent.push(...described(decision.outputs));
    }
    return { state, sent };
  }

  it('undoes every step in reverse order when the deadline passes mid-saga', () => {
    const { state, sent } = run([
      { kind: 'OrderCreated', order },
      { kind: 'StepFact', message: 'PaymentConfirmed' },
      { kind: 'DeadlineExceeded' },
      // The reservation was on its way: it lands, then its release.
      { kind: 'StepFact', message: 'InventoryReserved' },
      { kind: 'StepFact', message: 'InventoryReleased' },
      { kind: 'StepFact', message: 'PaymentRefunded' },
    ]);
    expect(sent).toEqual([
      'do payment',
      'do inventory',
      'deadline-exceeded [payment]',
      'undo inventory (DEADLINE_EXCEEDED)',
      'undo payment (DEADLINE_EXCEEDED)',
    ]);
    expect(state).toMatchObject({
      status: 'COMPENSATED',
      compensations: [],
      reason: 'DEADLINE_EXCEEDED',
    });
  });

  it('refunds a payment confirmed after its saga timed out, exactly once', () => {
    const { state, sent } = run([
      { kind: 'OrderCreated', order },
      { kind: 'DeadlineExceeded' },
      { kind: 'DeadlineExceeded' },
      { kind: 'StepFact', message: 'PaymentConfirmed' },
      { kind: 'StepFact', message: 'PaymentConfirmed' },
      { kind: 'StepFact', message: 'PaymentRefunded' },
    ]);
    expect(sent).toEqual([
      'do payment',
      'deadline-exceeded []',
      'undo payment (DEADLINE_EXCEEDED)',
    ]);
    expect(state?.status).toBe('COMPENSATED');
  });

  it('keeps the error of a refused refund, and clears it once an operator retry succeeds', () => {
    const failed = run([
      { kind: 'OrderCreated', order },
      { kind: 'StepFact', message: 'PaymentConfirmed' },
      { kind: 'StepFact', message: 'InventoryFailed', reason: 'OUT_OF_STOCK' },
      { kind: 'StepFact', message: 'PaymentRefundFailed', error: 'card closed' },
    ]);
    expect(failed.state).toMatchObject({ status: 'COMPENSATION_FAILED', error: 'card closed' });
    const retried = decide(failed.state, { kind: 'StepFact', message: 'PaymentRefunded' });
    expect(retried.apply && retried.state).toMatchObject({ status: 'COMPENSATED', error: null });
  });
});
