import { describe, expect, it } from 'vitest';
import { MESSAGES, type MessageName } from '@order-saga/contracts';
import { SagaMetrics } from '@order-saga/observability';
import { captures, sources } from './source-scan.ts';

// Drift guards: a contract entry or a metric with nothing behind it is a defect (PLAN.md,
// standards). Each guard scans the production sources; what is legitimately missing today
// because another issue is building it sits in a PENDING list with its owner. Building the
// thing empties its entry in the same commit: a PENDING entry that is no longer missing fails.

const code = sources('packages', 'services');

describe('every catalogue message has a producer and a consumer', () => {
  // Producers create it (createEnvelope('Name', ...)); consumers route it (*.routes.ts).
  const produced = captures(code, /createEnvelope\(\s*'(\w+)'/g);
  const consumed = captures(
    code.filter((file) => file.path.endsWith('.routes.ts')),
    /(?:^\s+|\{\s*)(\w+): /gm,
  );
  const names = Object.keys(MESSAGES) as MessageName[];

  // The saga's last word about an order: published for systems outside this repository (the
  // contract's event catalogue, docs/design.md), not consumed by any saga service.
  const PUBLISHED_FOR_OTHERS: readonly MessageName[] = ['OrderFulfilled', 'OrderCancelled'];
  const PENDING_PRODUCER: Partial<Record<MessageName, string>> = {
    InventoryReleased: 'issue 10 (h10): Release/InventoryReleased on compensation',
    ReleaseInventory: 'issue 10 (h10): the orchestrator commands the release',
  };
  const PENDING_CONSUMER: Partial<Record<MessageName, string>> = {
    InventoryReleased: 'issue 10 (h10)',
    ReleaseInventory: 'issue 10 (h10): fulfillment-service releases the reservation',
  };

  it.each(names)('%s', (name) => {
    expect(produced.has(name), `${name} has a producer`).toBe(PENDING_PRODUCER[name] === undefined);
    const expectConsumer =
      PENDING_CONSUMER[name] === undefined && !PUBLISHED_FOR_OTHERS.includes(name);
    expect(consumed.has(name), `${name} has a consumer`).toBe(expectConsumer);
  });
});

describe('every metric in the catalogue has a writer', () => {
  const metrics = new SagaMetrics('guard');
  const fields = Object.keys(metrics).filter((key) => key !== 'registry');
  const writers = captures(
    code.filter((file) => !file.path.endsWith('observability/src/metrics.ts')),
    /\.(\w+)\.(?:inc|dec|set|observe|startTimer|labels|reset)\(/g,
  );
  const PENDING: Record<string, string> = {
    circuitBreakerState: 'issue 9 (h9b): the Redis-shared circuit breaker',
    idempotentReplays: 'issue 8 (h8): Idempotency-Key replays on POST /orders',
  };

  it('has fields to check', () => {
    expect(fields.length).toBeGreaterThan(10);
  });

  it.each(fields)('%s', (field) => {
    expect(writers.has(field), `${field} is written somewhere`).toBe(PENDING[field] === undefined);
  });
});
