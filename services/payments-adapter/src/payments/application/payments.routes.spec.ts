import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEnvelope, type AnyEnvelope } from '@order-saga/contracts';
import { ORDER_SAGA, choreographyInputs } from '@order-saga/saga-definition';
import { routeHandler } from '@order-saga/messaging';
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

const delivery = { topic: 't', partition: 0, offset: '0', attempt: 1 };

function routesWith(calls: string[]) {
  return paymentsRoutes(
    { handle: () => Promise.resolve(void calls.push('authorize')) },
    {
      handle: (_event, _orderId, reason) => Promise.resolve(void calls.push(`refund (${reason})`)),
    },
  );
}

const topicsOf = (mode: 'choreography' | 'orchestration'): readonly string[] =>
  routesWith([])[mode]?.topics ?? [];

async function routed(name: string): Promise<string[]> {
  const calls: string[] = [];
  const routes = routesWith(calls);
  const envelope = samples[name];
  if (envelope === undefined) throw new Error(`no sample ${name}`);
  // Each message through the routes of the mode that consumes it, as the bootstrap wires them.
  for (const mode of ['choreography', 'orchestration'] as const) {
    const consumed = routes[mode];
    if (consumed !== null && consumed.routes[envelope.name] !== undefined)
      await routeHandler(consumed.routes)(envelope, delivery);
  }
  return calls;
}

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
