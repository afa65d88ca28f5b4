import { describe, expect, it } from 'vitest';
import { createEnvelope } from '@order-saga/contracts';
import { acceptedMessages, routeHandler, type MessageRoutes } from './routes';

const causation = { source: 't', correlationId: 'c', causationId: null, traceparent: null };
const delivery = { topic: 'orders.events', partition: 0, offset: '1', attempt: 1 };

describe('consumer routes', () => {
  it('accept exactly the message names they route', () => {
    const routes: MessageRoutes = {
      OrderFulfilled: () => Promise.resolve(),
      OrderCancelled: () => Promise.resolve(),
    };
    expect(acceptedMessages(routes).sort()).toEqual(['OrderCancelled', 'OrderFulfilled']);
  });

  it('hand each message to its own route and ignore the ones without a route', async () => {
    const seen: string[] = [];
    const handler = routeHandler({
      OrderFulfilled: (event) => Promise.resolve(void seen.push(`fulfilled ${event.data.orderId}`)),
    });
    const orderId = '5a7f1a3e-2b7c-4a55-9b62-7f5f7f1a3e2b';
    await handler(createEnvelope('OrderFulfilled', orderId, { orderId }, causation), delivery);
    await handler(
      createEnvelope('OrderCancelled', orderId, { orderId, reason: 'OUT_OF_STOCK' }, causation),
      delivery,
    );
    expect(seen).toEqual([`fulfilled ${orderId}`]);
  });
});
