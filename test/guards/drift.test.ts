import { describe, expect, it } from 'vitest';
import { MESSAGES, type MessageName } from '@order-saga/contracts';
import { acceptedMessages } from '@order-saga/messaging';
import { SagaMetrics } from '@order-saga/observability';
import { inventoryRoutes } from '../../services/fulfillment-service/src/inventory/application/inventory.routes.ts';
import { ordersRoutes } from '../../services/orders-service/src/orders/application/orders.routes.ts';
import { paymentsRoutes } from '../../services/payments-adapter/src/payments/application/payments.routes.ts';
import { sagaRoutes } from '../../services/saga-orchestrator/src/saga/application/saga.routes.ts';
import { captures, sources } from './source-scan.ts';

// Drift guards: a contract entry or a metric with nothing behind it is a defect (PLAN.md,
// standards). Each guard scans the production sources; what is legitimately missing today
// because another issue is building it sits in a PENDING list with its owner. Building the
// thing empties its entry in the same commit: a PENDING entry that is no longer missing fails.

const code = sources('packages', 'services');

describe('every catalogue message has a producer and a consumer', () => {
  // Producers create it (createEnvelope('Name', ...)); consumers are every service's declared
  // routes, in either saga mode, asked for with stand-in handlers.
  const produced = captures(code, /createEnvelope\(\s*'(\w+)'/g);
  const stub = { handle: () => Promise.resolve() };
  const consumed = new Set(
    [
      ordersRoutes(stub, stub),
      paymentsRoutes(stub, stub),
      inventoryRoutes(stub, stub),
      sagaRoutes(stub),
    ].flatMap((byMode) =>
      Object.values(byMode).flatMap((routes) =>
        routes === null ? [] : acceptedMessages(routes.routes),
      ),
    ),
  );
  const names = Object.keys(MESSAGES) as MessageName[];

  // The saga's last word about an order: published for systems outside this repository (the
  // contract's event catalogue, docs/design.md), not consumed by any saga service.
  const PUBLISHED_FOR_OTHERS: readonly MessageName[] = ['OrderFulfilled', 'OrderCancelled'];
  // Nothing pending today (issue 10 built Release/InventoryReleased); an issue adding a message
  // before its producer or consumer lands names it here, with the issue.
  const PENDING_PRODUCER: Partial<Record<MessageName, string>> = {};
  const PENDING_CONSUMER: Partial<Record<MessageName, string>> = {};

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
  // Nothing pending today (issue 9 built the breaker's writers); a metric added before its writer
  // lands names its field here, with the issue.
  const PENDING: Record<string, string> = {};

  it('has fields to check', () => {
    expect(fields.length).toBeGreaterThan(10);
  });

  it.each(fields)('%s', (field) => {
    expect(writers.has(field), `${field} is written somewhere`).toBe(PENDING[field] === undefined);
  });
});
