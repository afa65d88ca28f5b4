// What the observer saw, indexed by order: the first sighting of each saga event (its ce_time,
// Kafka timestamp and arrival at the client), every terminal outcome, and what went to a
// dead-letter topic. Duplicates are kept apart: a redelivered record (same ce_id) is harmless
// at-least-once delivery; a second outcome with a new ce_id is a saga that ended twice.
import type { ObservedBatch } from './load-protocol.ts';

export interface Sighting {
  readonly ceId: string;
  readonly ceTime: number;
  readonly kafkaTime: number;
  readonly receivedAt: number;
}

export type SagaEventName =
  | 'OrderCreated'
  | 'PaymentInitiated'
  | 'PaymentConfirmed'
  | 'PaymentFailed'
  | 'PaymentRefunded'
  | 'InventoryReserved'
  | 'InventoryFailed'
  | 'InventoryReleased'
  | 'OrderFulfilled'
  | 'OrderCancelled'
  | 'AuthorizePayment'
  | 'RefundPayment'
  | 'ReserveInventory'
  | 'ReleaseInventory';

const NAME_BY_TYPE: Readonly<Record<string, SagaEventName>> = {
  'orders.order-created.v1': 'OrderCreated',
  'orders.order-fulfilled.v1': 'OrderFulfilled',
  'orders.order-cancelled.v1': 'OrderCancelled',
  'payments.payment-initiated.v1': 'PaymentInitiated',
  'payments.payment-confirmed.v1': 'PaymentConfirmed',
  'payments.payment-failed.v1': 'PaymentFailed',
  'payments.payment-refunded.v1': 'PaymentRefunded',
  'inventory.inventory-reserved.v1': 'InventoryReserved',
  'inventory.inventory-failed.v1': 'InventoryFailed',
  'inventory.inventory-released.v1': 'InventoryReleased',
  // Orchestration mode: the orchestrator's commands.
  'payments.authorize-payment.v1': 'AuthorizePayment',
  'payments.refund-payment.v1': 'RefundPayment',
  'inventory.reserve-inventory.v1': 'ReserveInventory',
  'inventory.release-inventory.v1': 'ReleaseInventory',
};

export interface OrderTrail {
  readonly first: Partial<Record<SagaEventName, Sighting>>;
  /** Every OrderFulfilled/OrderCancelled record seen, redeliveries included. */
  readonly outcomes: Array<Sighting & { readonly name: 'OrderFulfilled' | 'OrderCancelled' }>;
  /** Same ce_id seen again (redelivery). */
  redeliveries: number;
}

export interface DeadLetter {
  readonly topic: string;
  readonly key: string;
  readonly type: string;
  readonly code: string;
}

export class SagaEvents {
  readonly orders = new Map<string, OrderTrail>();
  readonly deadLetters: DeadLetter[] = [];
  private readonly seenIds = new Set<string>();
  unknownTypes = 0;
  total = 0;

  add(batch: ObservedBatch): void {
    for (let i = 0; i < batch.topic.length; i++) {
      this.total++;
      const topic = batch.topic[i] ?? '';
      const key = batch.key[i] ?? '';
      const type = batch.type[i] ?? '';
      if (topic.endsWith('.dlt')) {
        this.deadLetters.push({ topic, key, type, code: batch.dltCode[i] ?? '' });
        continue;
      }
      const name = NAME_BY_TYPE[type];
      if (name === undefined) {
        this.unknownTypes++;
        continue;
      }
      const sighting: Sighting = {
        ceId: batch.ceId[i] ?? '',
        ceTime: batch.ceTime[i] ?? Number.NaN,
        kafkaTime: batch.kafkaTime[i] ?? Number.NaN,
        receivedAt: batch.receivedAt[i] ?? Number.NaN,
      };
      let trail = this.orders.get(key);
      if (trail === undefined) {
        trail = { first: {}, outcomes: [], redeliveries: 0 };
        this.orders.set(key, trail);
      }
      const redelivery = this.seenIds.has(sighting.ceId);
      if (redelivery) trail.redeliveries++;
      else this.seenIds.add(sighting.ceId);
      if (name === 'OrderFulfilled' || name === 'OrderCancelled')
        trail.outcomes.push({ ...sighting, name });
      if (!redelivery) trail.first[name] ??= sighting;
    }
  }

  /** The order's outcome if exactly one distinct outcome event was emitted. */
  outcome(orderId: string): (Sighting & { name: 'OrderFulfilled' | 'OrderCancelled' }) | undefined {
    return this.orders.get(orderId)?.outcomes[0];
  }

  /** Distinct outcome events (by ce_id) emitted for the order. */
  distinctOutcomes(orderId: string): number {
    return new Set(this.orders.get(orderId)?.outcomes.map((o) => o.ceId)).size;
  }
}
