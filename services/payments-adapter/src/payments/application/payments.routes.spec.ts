import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEnvelope, type AnyEnvelope } from '@order-saga/contracts';
import { ORDER_SAGA, choreographyInputs } from '@order-saga/saga-definition';
import { routingProbe } from '@order-saga/messaging/testing';
import { PAYMENT_INPUTS, paymentsRoutes } from './payments.routes';

const orderId = randomUUID();
const causation = { source: 'test', correlationId: 'c-1', causationId: null, traceparent: null };
const items = [{ sku: 'SKU-1', quantity: 1, unitPrice: 100 }];
const samples: Record<string, AnyEnvelope> = {
  OrderCreated: createEnvelope(
    'OrderCreated',
    orderId,
    {
      orderId,
      customerId: 'c',
      currency: 'EUR',
      items,
      total: 100,
      paymentMethod: 'pm_card_visa',
      deadline: new Date().toISOString(),
    },
    causation,
  ),
  InventoryFailed: createEnvelope(
    'InventoryFailed',
    orderId,
    { orderId, reason: 'OUT_OF_STOCK', skus: ['SKU-1'] },
    causation,
  ),
  OrderDeadlineExceeded: createEnvelope(
    'OrderDeadlineExceeded',
    orderId,
    { orderId, deadline: new Date().toISOString(), compensations: ['payment'] },
    causation,
  ),
  AuthorizePayment: createEnvelope(
    'AuthorizePayment',
    orderId,
    { orderId, amount: 100, currency: 'EUR', paymentMethod: 'pm_card_visa', items },
    causation,
  ),
  RefundPayment: createEnvelope(
    'RefundPayment',
    orderId,
    { orderId, reason: 'DEADLINE_EXCEEDED' },
    causation,
  ),
};

function routesWith(calls: string[]) {
  return paymentsRoutes(
    { handle: () => Promise.resolve(void calls.push('authorize')) },
    {
      handle: (_event, _orderId, reason) => Promise.resolve(void calls.push(`refund (${reason})`)),
    },
  );
}

const { topicsOf, routed } = routingProbe(routesWith, samples);

// The payment participant follows the declared saga: it takes its step on the step's trigger
// and undoes it on every fact the definition says should undo it, nothing else.
describe('payments-adapter follows the declared saga', () => {
  it('consumes in choreography exactly what the definition says the payment step reacts to', () => {
    const { action, compensation } = choreographyInputs(ORDER_SAGA, 'payment');
    expect(PAYMENT_INPUTS.choreography).toEqual([action, ...compensation]);
    expect(topicsOf('choreography')).toEqual(['orders.events', 'inventory.events']);
  });

  it('charges on the trigger and refunds on every compensation input', async () => {
    expect(await routed('OrderCreated')).toEqual(['authorize']);
    expect(await routed('InventoryFailed')).toEqual(['refund (OUT_OF_STOCK)']);
    expect(await routed('OrderDeadlineExceeded')).toEqual(['refund (DEADLINE_EXCEEDED)']);
  });

  it('obeys in orchestration the step command and its compensation command', async () => {
    expect(PAYMENT_INPUTS.orchestration).toEqual(['AuthorizePayment', 'RefundPayment']);
    expect(topicsOf('orchestration')).toEqual(['payments.commands']);
    expect(await routed('AuthorizePayment')).toEqual(['authorize']);
    expect(await routed('RefundPayment')).toEqual(['refund (DEADLINE_EXCEEDED)']);
  });
});
