import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEnvelope, type AnyEnvelope } from '@order-saga/contracts';
import { ORDER_SAGA, choreographyInputs } from '@order-saga/saga-definition';
import { routingProbe } from '@order-saga/messaging/testing';
import { INVENTORY_INPUTS, inventoryRoutes } from './inventory.routes';

const orderId = randomUUID();
const causation = { source: 'test', correlationId: 'c-1', causationId: null, traceparent: null };
const items = [{ sku: 'SKU-1', quantity: 1, unitPrice: 100 }];
const samples: Record<string, AnyEnvelope> = {
  PaymentConfirmed: createEnvelope(
    'PaymentConfirmed',
    orderId,
    {
      orderId,
      paymentId: randomUUID(),
      amount: 100,
      currency: 'EUR',
      providerPaymentId: 'pay_1',
      attempts: 1,
      items,
    },
    causation,
  ),
  OrderDeadlineExceeded: createEnvelope(
    'OrderDeadlineExceeded',
    orderId,
    { orderId, deadline: new Date().toISOString(), compensations: [] },
    causation,
  ),
  ReserveInventory: createEnvelope('ReserveInventory', orderId, { orderId, items }, causation),
  ReleaseInventory: createEnvelope(
    'ReleaseInventory',
    orderId,
    { orderId, reason: 'OUT_OF_STOCK' },
    causation,
  ),
};

function routesWith(calls: string[]) {
  return inventoryRoutes(
    { handle: () => Promise.resolve(void calls.push('reserve')) },
    { handle: (_event, reason) => Promise.resolve(void calls.push(`release (${reason})`)) },
  );
}

const { topicsOf, routed } = routingProbe(routesWith, samples);

describe('fulfillment-service follows the declared saga', () => {
  it('consumes in choreography exactly what the definition says the inventory step reacts to', () => {
    const { action, compensation } = choreographyInputs(ORDER_SAGA, 'inventory');
    expect(INVENTORY_INPUTS.choreography).toEqual([action, ...compensation]);
    expect(topicsOf('choreography')).toEqual(['payments.events', 'orders.events']);
  });

  it('reserves on the trigger and releases when the saga is aborted', async () => {
    expect(await routed('PaymentConfirmed')).toEqual(['reserve']);
    expect(await routed('OrderDeadlineExceeded')).toEqual(['release (DEADLINE_EXCEEDED)']);
  });

  it('obeys in orchestration the step command and its compensation command', async () => {
    expect(INVENTORY_INPUTS.orchestration).toEqual(['ReserveInventory', 'ReleaseInventory']);
    expect(topicsOf('orchestration')).toEqual(['inventory.commands']);
    expect(await routed('ReserveInventory')).toEqual(['reserve']);
    expect(await routed('ReleaseInventory')).toEqual(['release (OUT_OF_STOCK)']);
  });
});
