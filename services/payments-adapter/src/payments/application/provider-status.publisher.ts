import { randomUUID } from 'node:crypto';
import { createEnvelope } from '@order-saga/contracts';
import type { Logger } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import type { TransactionRunner } from '@order-saga/persistence';
import type { BreakerChange, SharedCircuitBreaker } from '@order-saga/resilience';
import { SERVICE } from '../../service';

/**
 * Tells the rest of the system when the breaker around the provider changes state
 * (PaymentProviderStatusChanged, through the outbox like every message), so the orders service
 * can say why an order waits. Only the replica that made a change reports it: the others learnt
 * it from Redis. Two replicas may report one change (both half-opened at once); the reader keeps
 * the latest. Not about an order, so no saga trace: each report starts its own correlation.
 */
export function publishProviderStatus(
  breaker: Pick<SharedCircuitBreaker, 'onChange'>,
  db: TransactionRunner,
  outbox: OutboxWriter,
  logger: Logger,
): void {
  breaker.onChange((change) => {
    if (change.origin !== 'local') return;
    void report(change, db, outbox).catch((error: unknown) => {
      // The next change reports the state again; until then GET shows the previous one.
      logger.error({ err: error, to: change.to }, 'payment.provider_status_not_reported');
    });
  });
}

async function report(
  change: BreakerChange,
  db: TransactionRunner,
  outbox: OutboxWriter,
): Promise<void> {
  const { snapshot } = change;
  const envelope = createEnvelope(
    'PaymentProviderStatusChanged',
    'payment-provider',
    {
      dependency: 'payment-provider',
      state: change.to,
      openedAt: snapshot.openedAt?.toISOString() ?? null,
      reason: snapshot.reason?.slice(0, 500) ?? null,
      changedAt: new Date().toISOString(),
    },
    { source: SERVICE.name, correlationId: randomUUID(), causationId: null, traceparent: null },
  );
  await db.transaction((tx) => outbox.append(tx, [envelope]));
}
