import type { CancellationReason } from '@order-saga/contracts';
import type { OrderStatus } from './order-status';

/**
 * The order state machine (DESIGN.md):
 *
 *   CREATED -> PAYMENT_PENDING -> PAID -> FULFILLED
 *   CREATED | PAYMENT_PENDING -> CANCELLED                (payment declined or failed)
 *   PAID -> COMPENSATING -> CANCELLED                     (inventory failed, payment refunded)
 *   CREATED | PAYMENT_PENDING | PAID -> COMPENSATING [-> CANCELLED]   (deadline passed)
 *   COMPENSATING | CANCELLED -> COMPENSATION_FAILED       (a refund gave up)
 *   COMPENSATION_FAILED -> CANCELLED                      (an operator's retry of it succeeded)
 *
 * Saga facts arrive on different topics, and Kafka orders messages only within a partition of one
 * topic, so a fact can overtake the one that caused it (InventoryReserved before PaymentConfirmed).
 * Each fact therefore names a target state and implies every state on its route before it: the
 * order walks forward through them, recording each hop. A fact whose target is not ahead of the
 * current state is late or a duplicate and changes nothing. Transitions never move backwards,
 * with two deliberate exceptions (ADR 0007): a refund that gives up after the order was cancelled
 * (a late payment being undone) makes the cancellation incomplete, and an operator's successful
 * retry completes it.
 */
export type SagaFact =
  | { readonly kind: 'PaymentInitiated' }
  | { readonly kind: 'PaymentConfirmed' }
  | { readonly kind: 'PaymentFailed'; readonly declined: boolean }
  | { readonly kind: 'InventoryReserved' }
  | { readonly kind: 'InventoryFailed'; readonly reason: CancellationReason }
  | { readonly kind: 'PaymentRefunded'; readonly reason: CancellationReason }
  | { readonly kind: 'PaymentRefundFailed'; readonly reason: CancellationReason }
  | { readonly kind: 'InventoryReleased'; readonly reason: CancellationReason }
  /** The deadline passed; `compensating` when some done step must be undone before CANCELLED. */
  | { readonly kind: 'DeadlineExceeded'; readonly compensating: boolean };

const HAPPY: readonly OrderStatus[] = ['CREATED', 'PAYMENT_PENDING', 'PAID', 'FULFILLED'];
const COMPENSATED: readonly OrderStatus[] = [
  'CREATED',
  'PAYMENT_PENDING',
  'PAID',
  'COMPENSATING',
  'CANCELLED',
];
const COMPENSATION_FAILED: readonly OrderStatus[] = [
  'CREATED',
  'PAYMENT_PENDING',
  'PAID',
  'COMPENSATING',
  'COMPENSATION_FAILED',
];
// A declined payment cancels directly: nothing was charged, so there is nothing to compensate.
const DECLINED: readonly OrderStatus[] = ['CREATED', 'PAYMENT_PENDING', 'CANCELLED'];

interface Route {
  readonly route: readonly OrderStatus[];
  readonly target: OrderStatus;
  readonly reason?: CancellationReason;
}

function routeOf(fact: Exclude<SagaFact, { kind: 'DeadlineExceeded' }>): Route {
  switch (fact.kind) {
    case 'PaymentInitiated':
      return { route: HAPPY, target: 'PAYMENT_PENDING' };
    case 'PaymentConfirmed':
      return { route: HAPPY, target: 'PAID' };
    case 'InventoryReserved':
      return { route: HAPPY, target: 'FULFILLED' };
    case 'PaymentFailed':
      return {
        route: DECLINED,
        target: 'CANCELLED',
        reason: fact.declined ? 'PAYMENT_DECLINED' : 'PAYMENT_FAILED',
      };
    case 'InventoryFailed':
      return { route: COMPENSATED, target: 'COMPENSATING', reason: fact.reason };
    case 'PaymentRefunded':
      return { route: COMPENSATED, target: 'CANCELLED', reason: fact.reason };
    case 'InventoryReleased':
      return { route: COMPENSATED, target: 'COMPENSATING', reason: fact.reason };
    case 'PaymentRefundFailed':
      return { route: COMPENSATION_FAILED, target: 'COMPENSATION_FAILED', reason: fact.reason };
  }
}

export interface TransitionPlan {
  /** States to enter, in order; empty when the fact is late or a duplicate. */
  readonly hops: readonly OrderStatus[];
  /** Cancellation reason the fact establishes, if any. */
  readonly reason?: CancellationReason;
}

/** States a deadline can interrupt: the saga is running and has not started undoing. */
const INTERRUPTIBLE: ReadonlySet<OrderStatus> = new Set(['CREATED', 'PAYMENT_PENDING', 'PAID']);

export function planTransition(current: OrderStatus, fact: SagaFact): TransitionPlan {
  if (fact.kind === 'DeadlineExceeded') {
    if (!INTERRUPTIBLE.has(current)) return { hops: [] };
    // Nothing done to undo: the order is cancelled at once; steps still in flight are undone by
    // their participants when their outcome arrives, and the order stays CANCELLED.
    const hops: OrderStatus[] = fact.compensating
      ? ['COMPENSATING']
      : ['COMPENSATING', 'CANCELLED'];
    return { hops, reason: 'DEADLINE_EXCEEDED' };
  }
  // ADR 0007: a late refund giving up reopens a cancellation; an operator's retry closes it.
  if (fact.kind === 'PaymentRefundFailed' && current === 'CANCELLED')
    return { hops: ['COMPENSATION_FAILED'] };
  if (fact.kind === 'PaymentRefunded' && current === 'COMPENSATION_FAILED')
    return { hops: ['CANCELLED'] };
  const { route, target, reason } = routeOf(fact);
  const from = route.indexOf(current);
  const to = route.indexOf(target);
  // Not on this fact's route (e.g. already FULFILLED when a refund shows up) or not behind the
  // target: the order already moved past what this fact can say.
  if (from === -1 || from >= to) return { hops: [] };
  // From CREATED a decline goes straight to CANCELLED; no PAYMENT_PENDING hop is invented.
  const hops =
    route === DECLINED && current === 'CREATED' ? [target] : route.slice(from + 1, to + 1);
  return reason === undefined ? { hops } : { hops, reason };
}
