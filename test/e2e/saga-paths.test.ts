import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES, SAGA_TOPICS } from '@order-saga/contracts';
import {
  http,
  orderBody,
  postOrder,
  setStock,
  waitForTerminal,
  type OrderView,
} from '../../scripts/system/orders-api.ts';
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import { traceIdsTagged, waitForTrace, type ZipkinSpan } from '../../scripts/system/traces.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { readTopics } from '../support/topic-reader.ts';
import { leaks, messagingProblems, outline, roots, service } from '../support/trace-shape.ts';

interface ProviderRecords {
  payments: Array<{ reference: string; status: string }>;
  refunds: Array<{ reference: string }>;
}

const SKU_IN_STOCK = 'SKU-E2E-STOCKED';
const SKU_SOLD_OUT = 'SKU-E2E-SOLD-OUT';

// The same saga paths, observed the same way, in both coordination modes: clients cannot tell
// choreography from orchestration, only the topics can.
describe.each(['choreography', 'orchestration'] as const)(
  '%s saga, services as separate processes',
  (mode) => {
    let system: SagaSystem;

    beforeAll(async () => {
      system = await startSagaSystem(mode.slice(0, 6), { mode });
      await setStock(system.fulfillmentUrl, SKU_IN_STOCK, 100);
      await setStock(system.fulfillmentUrl, SKU_SOLD_OUT, 0);
    });

    afterAll(async () => {
      await system?.stop();
    });

    async function placeOrder(
      overrides: Record<string, unknown>,
      headers: Record<string, string> = {},
    ): Promise<OrderView> {
      const created = await postOrder(system.ordersUrl, orderBody(overrides), headers);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.headers.get('location')).toBe(`/orders/${created.body.id}`);
      expect(created.body.status).toBe('CREATED');
      return waitForTerminal(system.ordersUrl, created.body.id);
    }

    const transitions = (order: OrderView): string[] =>
      order.history.map((t) => `${t.from ?? '∅'}->${t.to}`);
    const stepStatus = (order: OrderView): Record<string, string> =>
      Object.fromEntries(order.steps.map((step) => [step.name, step.status]));

    async function providerRecords(orderId: string): Promise<ProviderRecords> {
      const result = await http<ProviderRecords>(
        `${system.providerUrl}/v1/records?reference=${orderId}`,
      );
      return result.body;
    }

    describe('the three paths', () => {
      const orders: Record<'approved' | 'declined' | 'outOfStock', OrderView | undefined> = {
        approved: undefined,
        declined: undefined,
        outOfStock: undefined,
      };
      const correlationId = `e2e-${randomUUID()}`;
      const traceId = randomUUID().replaceAll('-', '');
      const traceparent = `00-${traceId}-${'a'.repeat(16)}-01`;

      it('fulfills an approved order with stock', async () => {
        const order = await placeOrder(
          { items: [{ sku: SKU_IN_STOCK, quantity: 3, unitPrice: 999 }] },
          { 'x-correlation-id': correlationId, traceparent },
        );
        orders.approved = order;
        expect(order.status).toBe('FULFILLED');
        expect(order.reason).toBeNull();
        expect(order.total).toBe(2997);
        expect(order.correlationId).toBe(correlationId);
        expect(order.traceId).toBe(traceId);
        expect(transitions(order)).toEqual([
          '∅->CREATED',
          'CREATED->PAYMENT_PENDING',
          'PAYMENT_PENDING->PAID',
          'PAID->FULFILLED',
        ]);
        expect(stepStatus(order)).toEqual({ payment: 'SUCCEEDED', inventory: 'SUCCEEDED' });
        expect(order.steps.find((s) => s.name === 'payment')?.attempts).toBe(1);
        for (const step of order.steps) expect(step.finishedAt).not.toBeNull();
        const records = await providerRecords(order.id);
        expect(records.payments.map((p) => p.status)).toEqual(['approved']);
        expect(records.refunds).toHaveLength(0);
        const stock = await http<{ available: number; reserved: number }>(
          `${system.fulfillmentUrl}/inventory/${SKU_IN_STOCK}`,
        );
        expect(stock.body).toMatchObject({ available: 97, reserved: 3 });
      });

      it('cancels an order whose payment is declined, without touching stock', async () => {
        const order = await placeOrder({
          paymentMethod: 'pm_card_declined',
          items: [{ sku: SKU_IN_STOCK, quantity: 1, unitPrice: 500 }],
        });
        orders.declined = order;
        expect(order.status).toBe('CANCELLED');
        expect(order.reason).toBe('PAYMENT_DECLINED');
        expect(transitions(order)).toEqual([
          '∅->CREATED',
          'CREATED->PAYMENT_PENDING',
          'PAYMENT_PENDING->CANCELLED',
        ]);
        expect(stepStatus(order)).toEqual({ payment: 'FAILED', inventory: 'SKIPPED' });
        const records = await providerRecords(order.id);
        expect(records.payments.map((p) => p.status)).toEqual(['declined']);
        expect(records.refunds).toHaveLength(0);
        const stock = await http<{ available: number }>(
          `${system.fulfillmentUrl}/inventory/${SKU_IN_STOCK}`,
        );
        expect(stock.body.available).toBe(97);
      });

      it('refunds and cancels a paid order that is out of stock (compensation)', async () => {
        const order = await placeOrder({
          items: [{ sku: SKU_SOLD_OUT, quantity: 1, unitPrice: 4200 }],
        });
        orders.outOfStock = order;
        expect(order.status).toBe('CANCELLED');
        expect(order.reason).toBe('OUT_OF_STOCK');
        expect(transitions(order)).toEqual([
          '∅->CREATED',
          'CREATED->PAYMENT_PENDING',
          'PAYMENT_PENDING->PAID',
          'PAID->COMPENSATING',
          'COMPENSATING->CANCELLED',
        ]);
        expect(stepStatus(order)).toEqual({
          payment: 'COMPENSATED',
          inventory: 'FAILED',
          refund: 'SUCCEEDED',
        });
        const records = await providerRecords(order.id);
        expect(records.payments.map((p) => p.status)).toEqual(['approved']);
        expect(records.refunds).toHaveLength(1);
      });

      it('puts the DESIGN.md headers on every message of every saga topic', async () => {
        const ids = Object.values(orders).map((order) => order?.id);
        expect(ids.every((id) => id !== undefined)).toBe(true);
        // Events and commands: in orchestration an event's cause is often a command.
        const topics = SAGA_TOPICS.map((t) => `${system.topicPrefix}${t}`);
        // The order turns terminal on the participants' facts; its outcome event may still be in
        // an outbox (the orchestrator's, in orchestration) when GET says so: wait for it too.
        const outcomes = [MESSAGES.OrderFulfilled.type, MESSAGES.OrderCancelled.type] as string[];
        const messages = await waitFor(
          'every order outcome event on the wire',
          async () => {
            const read = (await readTopics(system.brokers, topics)).filter((m) =>
              ids.includes(m.key),
            );
            const settled = new Set(
              read.filter((m) => outcomes.includes(m.headers['ce_type'] ?? '')).map((m) => m.key),
            );
            return ids.every((id) => id !== undefined && settled.has(id)) ? read : undefined;
          },
          30_000,
          200,
        );
        const typesByTopic = new Map<string, string[]>();
        for (const def of Object.values(MESSAGES))
          typesByTopic.set(def.topic, [...(typesByTopic.get(def.topic) ?? []), def.type]);
        const eventIds = new Set(messages.map((m) => m.headers['ce_id']));

        for (const message of messages) {
          const order = Object.values(orders).find((o) => o?.id === message.key);
          const h = message.headers;
          expect(h['ce_specversion']).toBe('1.0');
          expect(h['ce_id']).toMatch(/^[0-9a-f-]{36}$/);
          expect(typesByTopic.get(message.topic.slice(system.topicPrefix.length))).toContain(
            h['ce_type'],
          );
          const sources = message.topic.endsWith('.commands')
            ? ['saga-orchestrator']
            : ['orders-service', 'payments-adapter', 'fulfillment-service'];
          expect(sources).toContain(h['ce_source']);
          expect(new Date(h['ce_time'] ?? '').toISOString()).toBe(h['ce_time']);
          expect(h['ce_subject']).toBe(message.key);
          expect(h['content-type']).toBe('application/json');
          expect(h['correlation-id']).toBe(order?.correlationId);
          expect(h['traceparent']).toMatch(new RegExp(`^00-${order?.traceId}-[0-9a-f]{16}-01$`));
          if (h['ce_type'] === 'orders.order-created.v1') {
            expect(h['causation-id']).toBeUndefined();
          } else {
            // Every later message names the message that caused it, itself on these topics.
            expect(eventIds.has(h['causation-id'])).toBe(true);
          }
        }
        expect(eventIds.size).toBe(messages.length);

        // Who caused whom is what tells the modes apart: facts answer commands in orchestration.
        const short = (type: string | undefined): string => type?.split('.')[1] ?? '?';
        const typeById = new Map(
          messages.map((m) => [m.headers['ce_id'], short(m.headers['ce_type'])]),
        );
        const causes = new Set(
          messages
            .filter((m) => m.headers['causation-id'] !== undefined)
            .map(
              (m) => `${typeById.get(m.headers['causation-id'])} -> ${short(m.headers['ce_type'])}`,
            ),
        );
        const orchestrated = mode === 'orchestration';
        expect([...causes].sort()).toEqual(
          [
            ...(orchestrated
              ? [
                  'order-created -> authorize-payment',
                  'authorize-payment -> payment-initiated',
                  'authorize-payment -> payment-confirmed',
                  'authorize-payment -> payment-failed',
                  'payment-confirmed -> reserve-inventory',
                  'reserve-inventory -> inventory-reserved',
                  'reserve-inventory -> inventory-failed',
                  'inventory-failed -> refund-payment',
                  'refund-payment -> payment-refunded',
                ]
              : [
                  'order-created -> payment-initiated',
                  'order-created -> payment-confirmed',
                  'order-created -> payment-failed',
                  'payment-confirmed -> inventory-reserved',
                  'payment-confirmed -> inventory-failed',
                  'inventory-failed -> payment-refunded',
                ]),
            'inventory-reserved -> order-fulfilled',
            'payment-failed -> order-cancelled',
            'payment-refunded -> order-cancelled',
          ].sort(),
        );
        const types = (orderId: string | undefined): string[] =>
          messages
            .filter((m) => m.key === orderId && m.topic.endsWith('.events'))
            .map((m) => m.headers['ce_type'] ?? '')
            .sort();
        expect(types(orders.approved?.id)).toEqual([
          'inventory.inventory-reserved.v1',
          'orders.order-created.v1',
          'orders.order-fulfilled.v1',
          'payments.payment-confirmed.v1',
          'payments.payment-initiated.v1',
        ]);
        expect(types(orders.declined?.id)).toEqual([
          'orders.order-cancelled.v1',
          'orders.order-created.v1',
          'payments.payment-failed.v1',
          'payments.payment-initiated.v1',
        ]);
        expect(types(orders.outOfStock?.id)).toEqual([
          'inventory.inventory-failed.v1',
          'orders.order-cancelled.v1',
          'orders.order-created.v1',
          'payments.payment-confirmed.v1',
          'payments.payment-initiated.v1',
          'payments.payment-refunded.v1',
        ]);
      });

      it('records each order as ONE trace in Zipkin, from POST /orders through every service', async () => {
        const orchestrated = mode === 'orchestration';
        const prefix = system.topicPrefix;
        const paths = [
          { order: orders.approved, method: 'pm_card_visa', fulfilled: true },
          { order: orders.declined, method: 'pm_card_declined', fulfilled: false },
          { order: orders.outOfStock, method: 'pm_card_visa', fulfilled: true },
        ];
        for (const { order, method, fulfilled } of paths) {
          if (order === undefined) throw new Error('an earlier path did not produce its order');
          const required = [
            'orders-service',
            'payments-adapter',
            'payment-provider-sim',
            ...(fulfilled ? ['fulfillment-service'] : []),
            ...(orchestrated ? ['saga-orchestrator'] : []),
          ];
          const expectedProviderCalls =
            order.reason === 'OUT_OF_STOCK'
              ? ['post /v1/payments', 'post /v1/payments/:id/refunds']
              : ['post /v1/payments'];
          const providerCallsOf = (spans: readonly ZipkinSpan[]): ZipkinSpan[] =>
            spans.filter((s) => service(s) === 'payment-provider-sim' && s.kind === 'SERVER');
          // Complete once the saga's last event (OrderFulfilled/OrderCancelled) has been sent,
          // every required service has reported, the provider's span of each call it got has
          // arrived (each service exports on its own schedule: the refund's server span can come
          // after orders-service's last send), and no span is missing its parent.
          const complete = (spans: readonly ZipkinSpan[]): boolean =>
            providerCallsOf(spans).length >= expectedProviderCalls.length &&
            spans.some(
              (s) =>
                s.tags?.['messaging.operation.type'] === 'send' &&
                /orders\.order-(fulfilled|cancelled)/.test(s.tags['cloudevents.event_type'] ?? ''),
            ) &&
            required.every((name) => spans.some((s) => service(s) === name)) &&
            roots(spans).length === 1;
          const spans = await waitForTrace(system.zipkinUrl, order.traceId, complete);
          const context = `${order.id} (${order.status}):\n${outline(spans)}`;

          // One trace, and the order's spans are in no other.
          expect(
            await traceIdsTagged(system.zipkinUrl, 'cloudevents.event_subject', order.id),
            context,
          ).toEqual([order.traceId]);
          const [root] = roots(spans);
          expect(root?.name, context).toBe('post /orders');
          expect(root?.kind).toBe('SERVER');
          expect(root && service(root)).toBe('orders-service');

          // The outbox path, parent to child: request -> create -> send -> process -> ...
          expect(messagingProblems(spans), context).toEqual([]);
          const byId = new Map(spans.map((s) => [s.id, s]));
          const created = spans.find(
            (s) =>
              s.name === `create ${prefix}orders.events` &&
              s.tags?.['cloudevents.event_type'] === 'orders.order-created.v1',
          );
          expect(created, context).toBeDefined();
          const requestSpan = (span: ZipkinSpan | undefined): ZipkinSpan | undefined =>
            span === undefined || span.kind === 'SERVER'
              ? span
              : requestSpan(byId.get(span.parentId ?? ''));
          expect(requestSpan(created)?.id).toBe(root?.id);
          const relayed = spans.find((s) => s.parentId === created?.id);
          expect(relayed?.name).toBe(`send ${prefix}orders.events`);
          expect(relayed?.kind).toBe('PRODUCER');

          // Every participant processed a message of this trace; the provider call joined it.
          for (const name of required.filter((n) => n !== 'payment-provider-sim'))
            expect(
              spans.some((s) => service(s) === name && s.kind === 'CONSUMER'),
              `${name} has no process span in ${context}`,
            ).toBe(true);
          const providerCalls = providerCallsOf(spans);
          expect(providerCalls.map((s) => s.name).sort(), context).toEqual(expectedProviderCalls);
          for (const call of providerCalls) {
            const client = byId.get(call.parentId ?? '');
            expect(client?.kind, context).toBe('CLIENT');
            expect(client && service(client)).toBe('payments-adapter');
          }
          if (orchestrated)
            expect(
              spans.filter((s) => service(s) === 'saga-orchestrator').map((s) => s.name),
            ).toContain(`send ${prefix}payments.commands`);

          // Nothing about the card reaches the trace backend.
          expect(leaks(spans, [method, 'pm_card_']), context).toEqual([]);
        }
      });

      it('sends commands only in orchestration, from the orchestrator, in saga order', async () => {
        const topics = SAGA_TOPICS.filter((t) => t.endsWith('.commands')).map(
          (t) => `${system.topicPrefix}${t}`,
        );
        const commands = await readTopics(system.brokers, topics);
        const named = (orderId: string | undefined): string[] =>
          commands
            .filter((m) => m.key === orderId)
            .sort((a, b) => (a.headers['ce_time'] ?? '').localeCompare(b.headers['ce_time'] ?? ''))
            .map((m) => m.headers['ce_type'] ?? '');
        if (mode === 'choreography') {
          expect(commands).toEqual([]);
          return;
        }
        for (const command of commands) {
          expect(command.headers['ce_source']).toBe('saga-orchestrator');
          expect(command.headers['causation-id']).toBeDefined();
        }
        expect(named(orders.approved?.id)).toEqual([
          'payments.authorize-payment.v1',
          'inventory.reserve-inventory.v1',
        ]);
        expect(named(orders.declined?.id)).toEqual(['payments.authorize-payment.v1']);
        expect(named(orders.outOfStock?.id)).toEqual([
          'payments.authorize-payment.v1',
          'inventory.reserve-inventory.v1',
          'payments.refund-payment.v1',
        ]);
      });

      it('serves 404 problem+json for an unknown order and 400 for a malformed id', async () => {
        const missing = await http<{ code: string }>(`${system.ordersUrl}/orders/${randomUUID()}`);
        expect(missing.status).toBe(404);
        expect(missing.headers.get('content-type')).toContain('application/problem+json');
        expect(missing.body.code).toBe('ORDER.NOT_FOUND');
        const malformed = await http<{ code: string }>(`${system.ordersUrl}/orders/not-a-uuid`);
        expect(malformed.status).toBe(400);
        expect(malformed.body.code).toBe('ORDER.ID_MALFORMED');
      });

      it('lists recent orders newest first with a working cursor', async () => {
        const first = await http<{ items: OrderView[]; nextCursor: string | null }>(
          `${system.ordersUrl}/orders?limit=2`,
        );
        expect(first.status).toBe(200);
        expect(first.body.items.map((o) => o.id)).toEqual([
          orders.outOfStock?.id,
          orders.declined?.id,
        ]);
        expect(first.body.nextCursor).not.toBeNull();
        const second = await http<{ items: OrderView[]; nextCursor: string | null }>(
          `${system.ordersUrl}/orders?limit=2&cursor=${first.body.nextCursor ?? ''}`,
        );
        expect(second.body.items.map((o) => o.id)).toEqual([orders.approved?.id]);
        expect(second.body.nextCursor).toBeNull();
        const cancelled = await http<{ items: OrderView[] }>(
          `${system.ordersUrl}/orders?status=CANCELLED`,
        );
        expect(cancelled.body.items.map((o) => o.id).sort()).toEqual(
          [orders.declined?.id, orders.outOfStock?.id].sort(),
        );
      });
    });
  },
);
