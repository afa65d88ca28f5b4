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

  it('never leaves a terminal state, whatever the fact', () => {
    const facts: SagaFact[] = [
      { kind: 'PaymentInitiated' },
      confirmed,
      { kind: 'PaymentFailed', declined: true },
      reserved,
      { kind: 'InventoryFailed', reason: 'UNKNOWN_SKU' },
      refunded,
    ];
    const terminal: OrderStatus[] = ['FULFILLED', 'CANCELLED', 'COMPENSATION_FAILED'];
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
