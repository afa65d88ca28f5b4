import type { CancellationReason } from '@order-saga/contracts';
import type { OrderStatus } from './order-status';

/**
 * The order state machine (DESIGN.md):
 *
 *   CREATED -> PAYMENT_PENDING -> PAID -> FULFILLED
 *   CREATED | PAYMENT_PENDING -> CANCELLED                (payment declined or failed)
 *   PAID -> COMPENSATING -> CANCELLED                     (inventory failed, payment refunded)
 *   COMPENSATING -> COMPENSATION_FAILED
 *
 * Saga facts arrive on different topics, and Kafka orders messages only within a partition of one
 * topic, so a fact can overtake the one that caused it (InventoryReserved before PaymentConfirmed).
 * Each fact therefore names a target state and implies every state on its route before it: the
 * order walks forward through them, recording each hop. A fact whose target is not ahead of the
 * current state is late or a duplicate and changes nothing. Transitions never move backwards.
 */
export type SagaFact =
  | { readonly kind: 'PaymentInitiated' }
  | { readonly kind: 'PaymentConfirmed' }
  | { readonly kind: 'PaymentFailed'; readonly declined: boolean }
  | { readonly kind: 'InventoryReserved' }
  | { readonly kind: 'InventoryFailed'; readonly reason: CancellationReason }
  | { readonly kind: 'PaymentRefunded'; readonly reason: CancellationReason };

const HAPPY: readonly OrderStatus[] = ['CREATED', 'PAYMENT_PENDING', 'PAID', 'FULFILLED'];
const COMPENSATED: readonly OrderStatus[] = [
  'CREATED',
  'PAYMENT_PENDING',
  'PAID',
  'COMPENSATING',
  'CANCELLED',
];
// A declined payment cancels directly: nothing was charged, so there is nothing to compensate.
const DECLINED: readonly OrderStatus[] = ['CREATED', 'PAYMENT_PENDING', 'CANCELLED'];

interface Route {
  readonly route: readonly OrderStatus[];
  readonly target: OrderStatus;
  readonly reason?: CancellationReason;
}

function routeOf(fact: SagaFact): Route {
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
  }
}

export interface TransitionPlan {
  /** States to enter, in order; empty when the fact is late or a duplicate. */
  readonly hops: readonly OrderStatus[];
  /** Cancellation reason the fact establishes, if any. */
  readonly reason?: CancellationReason;
}

export function planTransition(current: OrderStatus, fact: SagaFact): TransitionPlan {
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
