import { ContractViolation } from '@order-saga/contracts';
import {
  BreakerOpenError,
  attemptsLeft,
  retryDelay,
  type RetryPolicy,
} from '@order-saga/resilience';
import {
  DependencyUnavailableError,
  ServiceBusyError,
  TerminalError,
  errorCode,
  errorMessage,
} from '../errors';

/**
 * What the consumer does with a message whose handler just failed. Pure: the whole delivery
 * policy of ADR 0006 in one function, so it is read and tested without Kafka.
 *  - `retry`: a transient failure with attempts left, after `delayMs` (a busy service's failure
 *    is retried the same way but spends no attempts);
 *  - `wait-for-dependency`: the message is fine but a dependency is down; waits `delayMs` and
 *    tries again for as long as the outage lasts, without spending attempts;
 *  - `dead-letter`: a terminal failure, or the attempts are spent; park it with `code`.
 */
export type DeliveryDecision =
  | { readonly action: 'retry'; readonly delayMs: number }
  | { readonly action: 'wait-for-dependency'; readonly delayMs: number }
  | {
      readonly action: 'dead-letter';
      readonly why: 'terminal' | 'attempts-spent';
      readonly code: string;
      readonly reason: string;
    };

export type FailureKind = 'terminal' | 'dependency-down' | 'busy' | 'transient';

/**
 * How a handler's error is read. A contract violation raised while handling is a handler bug:
 * retrying cannot fix it. An open circuit breaker refused the call without making it: the
 * dependency is down, and nothing was tried. A busy service (ServiceBusyError) is neither: the
 * message is retried like a transient failure, without spending attempts.
 */
export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof TerminalError || error instanceof ContractViolation) return 'terminal';
  if (error instanceof DependencyUnavailableError || error instanceof BreakerOpenError)
    return 'dependency-down';
  if (error instanceof ServiceBusyError) return 'busy';
  return 'transient';
}

/** A message's history so far: failed deliveries, and those that count against the budget. */
export interface Tries {
  readonly deliveries: number;
  readonly attempts: number;
}

export const NO_TRIES: Tries = { deliveries: 0, attempts: 0 };

/**
 * The decision after one more failed delivery, and the history including it. Delays grow with
 * every delivery (outages too), capped by the policy; outages and a busy service spend no attempts.
 */
export function decideDelivery(
  error: unknown,
  before: Tries,
  policy: RetryPolicy,
  random: () => number = Math.random,
): { readonly decision: DeliveryDecision; readonly tries: Tries } {
  const kind = classifyFailure(error);
  const tries: Tries = {
    deliveries: before.deliveries + 1,
    attempts: before.attempts + (kind === 'dependency-down' || kind === 'busy' ? 0 : 1),
  };
  if (kind === 'terminal' || !attemptsLeft(policy, tries.attempts))
    return {
      decision: {
        action: 'dead-letter',
        why: kind === 'terminal' ? 'terminal' : 'attempts-spent',
        code: errorCode(error),
        reason: errorMessage(error),
      },
      tries,
    };
  const delayMs = retryDelay(policy, tries.deliveries - 1, random);
  return {
    decision: { action: kind === 'dependency-down' ? 'wait-for-dependency' : 'retry', delayMs },
    tries,
  };
}
