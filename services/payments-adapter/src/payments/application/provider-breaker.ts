import type { ConsumptionGate } from '@order-saga/messaging';
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

/** Starts the breaker with the service (Redis connected, shared state read) and stops it with it. */
export function breakerLifecycle(breaker: SharedCircuitBreaker): BackgroundTask {
  return {
    name: 'circuit-breaker',
    start: () => void breaker.start(),
    stop: () => breaker.stop(),
  };
}
