// The critical path of a fulfilled saga, cut where an event is written (ce_time) or sent (Kafka
// record time); the phase analysis measures each segment between two such stamps.
import type { SagaEventName } from './saga-events.ts';

export interface Hop {
  readonly segment: string;
  readonly from: readonly [
    SagaEventName | 'scheduled',
    'ceTime' | 'kafkaTime' | 'receivedAt' | 'at',
  ];
  readonly to: readonly [SagaEventName, 'ceTime' | 'kafkaTime' | 'receivedAt'];
}

/** From its commit to the relay's send: the outbox. */
function relayed(name: SagaEventName): Hop {
  return {
    segment: `${name}: commit + relay -> Kafka`,
    from: [name, 'ceTime'],
    to: [name, 'kafkaTime'],
  };
}

/** From the record on Kafka to the next event built by the service that consumed it. */
function consumed(service: string, from: SagaEventName, to: SagaEventName): Hop {
  return {
    segment: `${service}: fetch -> ${to} built`,
    from: [from, 'kafkaTime'],
    to: [to, 'ceTime'],
  };
}

const ACCEPTED: Hop = {
  segment: 'POST due -> OrderCreated built (HTTP, validation)',
  from: ['scheduled', 'at'],
  to: ['OrderCreated', 'ceTime'],
};

const CHARGED: Hop = {
  segment: 'payments-adapter: tx, provider call -> PaymentConfirmed built',
  from: ['PaymentInitiated', 'ceTime'],
  to: ['PaymentConfirmed', 'ceTime'],
};

const OBSERVED: Hop = {
  segment: 'client (observer) fetch',
  from: ['OrderFulfilled', 'kafkaTime'],
  to: ['OrderFulfilled', 'receivedAt'],
};

/** Choreography: each service reacts to the previous fact. */
export const CHOREOGRAPHY_HOPS: readonly Hop[] = [
  ACCEPTED,
  relayed('OrderCreated'),
  consumed('payments-adapter', 'OrderCreated', 'PaymentInitiated'),
  CHARGED,
  relayed('PaymentConfirmed'),
  consumed('fulfillment-service', 'PaymentConfirmed', 'InventoryReserved'),
  relayed('InventoryReserved'),
  consumed('orders-service', 'InventoryReserved', 'OrderFulfilled'),
  relayed('OrderFulfilled'),
  OBSERVED,
];

/** Orchestration: the orchestrator turns each fact into the next command (two more hops). */
export const ORCHESTRATION_HOPS: readonly Hop[] = [
  ACCEPTED,
  relayed('OrderCreated'),
  consumed('saga-orchestrator', 'OrderCreated', 'AuthorizePayment'),
  relayed('AuthorizePayment'),
  consumed('payments-adapter', 'AuthorizePayment', 'PaymentInitiated'),
  CHARGED,
  relayed('PaymentConfirmed'),
  consumed('saga-orchestrator', 'PaymentConfirmed', 'ReserveInventory'),
  relayed('ReserveInventory'),
  consumed('fulfillment-service', 'ReserveInventory', 'InventoryReserved'),
  relayed('InventoryReserved'),
  consumed('orders-service', 'InventoryReserved', 'OrderFulfilled'),
  relayed('OrderFulfilled'),
  OBSERVED,
];
