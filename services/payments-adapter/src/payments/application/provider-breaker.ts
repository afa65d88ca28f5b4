import type { ConsumptionGate } from '@order-saga/messaging';
import type { Logger } from '@order-saga/observability';
import type { SharedCircuitBreaker } from '@order-saga/resilience';
import type { BackgroundTask } from '@order-saga/service-runtime';

/**
 * The consumer's gate follows the breaker: closed while it is open, so the adapter pauses its
 * partitions instead of redelivering messages that could only fail (nothing burns a retry or
 * reaches a dead-letter topic). Half-open opens the gate: the next call is the probe.
 */
export function breakerGate(breaker: SharedCircuitBreaker): ConsumptionGate {
  return {
    closedBecause: () => {
      const { state, openedAt, reason } = breaker.snapshot();
      if (state !== 'open') return undefined;
      return `breaker ${breaker.snapshot().name} open since ${openedAt?.toISOString() ?? '?'}: ${reason ?? ''}`;
    },
    onChange: (listener) => breaker.onChange(() => listener()),
  };
}

/**
 * Starts the breaker with the service (Redis connected, shared state read) and stops it with it.
 * `followers` (the provider's readiness watcher) start once the shared record is read: a
 * readiness source's first "ready" must release a hold that outlived the replicas that placed
 * it, and a release sent before the record was read would release nothing.
 */
export function breakerLifecycle(
  breaker: SharedCircuitBreaker,
  logger: Logger,
  followers: readonly BackgroundTask[] = [],
): BackgroundTask {
  let started: Promise<void> = Promise.resolve();
  const startFollowers = (): void => {
    for (const follower of followers) follower.start();
  };
  return {
    name: 'circuit-breaker',
    start: () => {
      started = breaker.start().then(startFollowers, (error: unknown) => {
        logger.error({ err: error, breaker: breaker.snapshot().name }, 'breaker.start_failed');
        startFollowers();
      });
    },
    stop: async () => {
      await started;
      await Promise.all(followers.map((follower) => follower.stop()));
      await breaker.stop();
    },
  };
}
