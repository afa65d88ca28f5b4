// A saga's critical path composed from the floors: what one fulfilled saga must at least take
// (latency) and cost (CPU) with these building blocks, in each mode.
import type { Floors } from './report-model.ts';

/**
 * The blocks of a fulfilled saga's critical path (see README). Choreography: the POST and the
 * provider call; the POST's transaction, payments' two, fulfillment's and orders' last one; the
 * hops of OrderCreated, PaymentConfirmed, InventoryReserved and OrderFulfilled. Orchestration
 * adds the orchestrator's two decisions: two more transactions and two more hops (its commands).
 */
export interface SagaPath {
  readonly http: number;
  readonly transactions: number;
  readonly kafkaHops: number;
}

export function sagaPath(mode: string): SagaPath {
  return mode === 'orchestration'
    ? { http: 2, transactions: 7, kafkaHops: 6 }
    : { http: 2, transactions: 5, kafkaHops: 4 };
}

export function pathLabel(path: SagaPath): string {
  return `${path.http} HTTP + ${path.transactions} tx + ${path.kafkaHops} Kafka hops`;
}

export function sagaFloor(floors: Floors, path: SagaPath, q: 'p50' | 'p99'): number {
  return (
    path.http * floors.noop.latency[q] +
    path.transactions * floors.transaction.latency[q] +
    path.kafkaHops * floors.kafka.latency[q]
  );
}

/** The same path's CPU: what one saga must at least cost the machine with these building blocks. */
export function sagaCpuFloor(floors: Floors, path: SagaPath): number {
  return (
    path.http * floors.noop.cpuMs +
    path.transactions * floors.transaction.cpuMs +
    path.kafkaHops * floors.kafka.cpuMs
  );
}
