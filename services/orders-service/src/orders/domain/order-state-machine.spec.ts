import { describe, expect, it } from 'vitest';
import { planTransition, type SagaFact } from './order-state-machine';
import { ORDER_STATUSES, type OrderStatus } from './order-status';

const confirmed: SagaFact = { kind: 'PaymentConfirmed' };
const reserved: SagaFact = { kind: 'InventoryReserved' };
const refunded: SagaFact = { kind: 'PaymentRefunded', reason: 'OUT_OF_STOCK' };

describe('planTransition', () => {
  it('walks the happy path one fact at a time', () => {
    expect(planTransition('CREATED', { kind: 'PaymentInitiated' }).hops).toEqual([
      'PAYMENT_PENDING',
    ]);
    expect(planTransition('PAYMENT_PENDING', confirmed).hops).toEqual(['PAID']);
    expect(planTransition('PAID', reserved).hops).toEqual(['FULFILLED']);
  });

  it('implies the skipped states when a fact overtakes its cause', () => {
    expect(planTransition('PAYMENT_PENDING', reserved).hops).toEqual(['PAID', 'FULFILLED']);
    expect(planTransition('PAYMENT_PENDING', refunded)).toEqual({
      hops: ['PAID', 'COMPENSATING', 'CANCELLED'],
      reason: 'OUT_OF_STOCK',
    });
  });

  it('ignores late facts and duplicates: it never moves backwards', () => {
    expect(planTransition('FULFILLED', confirmed).hops).toEqual([]);
    expect(planTransition('PAID', confirmed).hops).toEqual([]);
    expect(
      planTransition('CANCELLED', { kind: 'InventoryFailed', reason: 'OUT_OF_STOCK' }).hops,
    ).toEqual([]);
    expect(planTransition('FULFILLED', refunded).hops).toEqual([]);
  });

  it('cancels a declined payment without inventing states', () => {
    const declined: SagaFact = { kind: 'PaymentFailed', declined: true };
    expect(planTransition('CREATED', declined)).toEqual({
      hops: ['CANCELLED'],
      reason: 'PAYMENT_DECLINED',
    });
    expect(planTransition('PAYMENT_PENDING', { kind: 'PaymentFailed', declined: false })).toEqual({
      hops: ['CANCELLED'],
      reason: 'PAYMENT_FAILED',
    });
    expect(planTransition('PAID', declined).hops).toEqual([]);
  });

  it('never leaves FULFILLED, whatever the fact', () => {
    const facts: SagaFact[] = [
      { kind: 'PaymentInitiated' },
      confirmed,
      { kind: 'PaymentFailed', declined: true },
      reserved,
      { kind: 'InventoryFailed', reason: 'UNKNOWN_SKU' },
      refunded,
    ];
    // CANCELLED and COMPENSATION_FAILED have one exit each (ADR 0007), in the table below.
    const terminal: OrderStatus[] = ['FULFILLED'];
    for (const status of terminal) {
      for (const fact of facts) expect(planTransition(status, fact).hops).toEqual([]);
    }
  });

  it('only ever moves to states of the machine', () => {
    for (const status of ORDER_STATUSES) {
      for (const fact of [confirmed, reserved, refunded]) {
        for (const hop of planTransition(status, fact).hops) expect(ORDER_STATUSES).toContain(hop);
      }
    }
  });
});

describe('the whole transition table', () => {
  const facts: Record<string, SagaFact> = {
    PaymentInitiated: { kind: 'PaymentInitiated' },
    PaymentConfirmed: confirmed,
    Declined: { kind: 'PaymentFailed', declined: true },
    InventoryReserved: reserved,
    InventoryFailed: { kind: 'InventoryFailed', reason: 'OUT_OF_STOCK' },
    PaymentRefunded: refunded,
    PaymentRefundFailed: { kind: 'PaymentRefundFailed', reason: 'OUT_OF_STOCK' },
    InventoryReleased: { kind: 'InventoryReleased', reason: 'DEADLINE_EXCEEDED' },
    DeadlineNothingDone: { kind: 'DeadlineExceeded', compensating: false },
    DeadlineUndoing: { kind: 'DeadlineExceeded', compensating: true },
  };
  // Every allowed [status + fact] -> hops. Every other pair must change nothing.
  const allowed: Record<string, string> = {
    'CREATED + PaymentInitiated': 'PAYMENT_PENDING',
    'CREATED + PaymentConfirmed': 'PAYMENT_PENDING,PAID',
    'CREATED + Declined': 'CANCELLED',
    'CREATED + InventoryReserved': 'PAYMENT_PENDING,PAID,FULFILLED',
    'CREATED + InventoryFailed': 'PAYMENT_PENDING,PAID,COMPENSATING',
    'CREATED + PaymentRefunded': 'PAYMENT_PENDING,PAID,COMPENSATING,CANCELLED',
    'CREATED + PaymentRefundFailed': 'PAYMENT_PENDING,PAID,COMPENSATING,COMPENSATION_FAILED',
    'CREATED + InventoryReleased': 'PAYMENT_PENDING,PAID,COMPENSATING',
    'CREATED + DeadlineNothingDone': 'COMPENSATING,CANCELLED',
    'CREATED + DeadlineUndoing': 'COMPENSATING',
    'PAYMENT_PENDING + PaymentConfirmed': 'PAID',
    'PAYMENT_PENDING + Declined': 'CANCELLED',
    'PAYMENT_PENDING + InventoryReserved': 'PAID,FULFILLED',
    'PAYMENT_PENDING + InventoryFailed': 'PAID,COMPENSATING',
    'PAYMENT_PENDING + PaymentRefunded': 'PAID,COMPENSATING,CANCELLED',
    'PAYMENT_PENDING + PaymentRefundFailed': 'PAID,COMPENSATING,COMPENSATION_FAILED',
    'PAYMENT_PENDING + InventoryReleased': 'PAID,COMPENSATING',
    'PAYMENT_PENDING + DeadlineNothingDone': 'COMPENSATING,CANCELLED',
    'PAYMENT_PENDING + DeadlineUndoing': 'COMPENSATING',
    'PAID + InventoryReserved': 'FULFILLED',
    'PAID + InventoryFailed': 'COMPENSATING',
    'PAID + PaymentRefunded': 'COMPENSATING,CANCELLED',
    'PAID + PaymentRefundFailed': 'COMPENSATING,COMPENSATION_FAILED',
    'PAID + InventoryReleased': 'COMPENSATING',
    'PAID + DeadlineNothingDone': 'COMPENSATING,CANCELLED',
    'PAID + DeadlineUndoing': 'COMPENSATING',
    'COMPENSATING + PaymentRefunded': 'CANCELLED',
    'COMPENSATING + PaymentRefundFailed': 'COMPENSATION_FAILED',
    // ADR 0007: a late payment's refund giving up reopens the cancellation...
    'CANCELLED + PaymentRefundFailed': 'COMPENSATION_FAILED',
    // ...and an operator's successful retry closes it.
    'COMPENSATION_FAILED + PaymentRefunded': 'CANCELLED',
  };
  const pairs = ORDER_STATUSES.flatMap((status) =>
    Object.keys(facts).map((fact) => [status, fact] as const),
  );

  it.each(pairs)('%s + %s', (status, fact) => {
    const plan = planTransition(status, facts[fact] as SagaFact);
    expect(plan.hops.join(',')).toBe(allowed[`${status} + ${fact}`] ?? '');
  });

  it('gives up on a deadline with DEADLINE_EXCEEDED', () => {
    expect(planTransition('PAID', facts['DeadlineUndoing'] as SagaFact).reason).toBe(
      'DEADLINE_EXCEEDED',
    );
  });
});
