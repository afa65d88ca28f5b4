import {
  createEnvelope,
  type CancellationReason,
  type Causation,
  type Envelope,
  type MessageName,
} from '@order-saga/contracts';
import type { Effects } from '@order-saga/inbox';
import type { SqlExecutor } from '@order-saga/persistence';
import { ORDER_SAGA, classifyFact } from '@order-saga/saga-definition';
import { planTransition, type SagaFact } from '../domain/order-state-machine';
import { TERMINAL_STATUSES, type OrderStatus } from '../domain/order-status';
import { stepUpdates, type FactDetail } from '../domain/saga-step';
import type { Cause, LockedOrder, OrderRepository } from '../infrastructure/order.repository';

/** A fact about an order, as both the definition (timeline) and the state machine read it. */
export interface OrderFact extends FactDetail {
  readonly message: MessageName;
  readonly fact: SagaFact;
}

export type Advance =
  | { readonly applied: false; readonly from: OrderStatus; readonly late: boolean }
  | {
      readonly applied: true;
      readonly from: OrderStatus;
      readonly to: OrderStatus;
      readonly reason: CancellationReason | null;
    };

/** The saga is still moving forward: a success starts the next step. */
const ACTIVE: ReadonlySet<OrderStatus> = new Set(['CREATED', 'PAYMENT_PENDING', 'PAID']);

/**
 * Applies one fact to a locked order inside the caller's transaction: the timeline (steps, from
 * the declared saga), the state machine's transitions with their cause, a note when the fact is
 * late (a success after the saga gave up: its participant undoes it). Returns, like every use
 * case, the messages this implies for the caller's transaction to append: the saga's last word
 * (OrderFulfilled / OrderCancelled) when a terminal state is reached for the first time.
 */
export async function advanceOrder(
  tx: SqlExecutor,
  orders: OrderRepository,
  order: LockedOrder,
  input: OrderFact,
  cause: Cause,
  causation: Causation,
): Promise<Effects<Advance>> {
  const active = ACTIVE.has(order.status);
  const steps = stepUpdates(input.message, input, order.steps, active);
  const plan = planTransition(order.status, input.fact);
  const to = plan.hops[plan.hops.length - 1];
  if (to === undefined) {
    await orders.recordProgress(tx, order.id, steps);
    const role = classifyFact(ORDER_SAGA, input.message)?.role;
    const late =
      !active && order.status !== 'FULFILLED' && (role === 'succeeded' || role === 'started');
    if (late) await orders.recordLateFact(tx, order.id, cause, order.status);
    return { result: { applied: false, from: order.status, late } };
  }
  const reason = plan.reason ?? order.reason;
  // The timeline and the transitions in one statement (one round trip per fact, not two).
  await orders.recordProgress(tx, order.id, steps, {
    from: order.status,
    hops: plan.hops,
    reason: plan.reason ?? null,
    cause,
  });
  const last = await lastWord(tx, orders, order, to, reason, causation);
  return {
    result: { applied: true, from: order.status, to, reason },
    messages: last === undefined ? [] : [last],
  };
}

/** The saga's last word about an order: OrderFulfilled, or OrderCancelled with its reason. */
async function lastWord(
  tx: SqlExecutor,
  orders: OrderRepository,
  order: LockedOrder,
  to: OrderStatus,
  reason: CancellationReason | null,
  causation: Causation,
): Promise<Envelope | undefined> {
  const orderId = order.id;
  if (to === 'FULFILLED') return createEnvelope('OrderFulfilled', orderId, { orderId }, causation);
  // COMPENSATION_FAILED is also terminal but is reported by the alerting path, not as a cancel.
  if (to !== 'CANCELLED') return undefined;
  // Back from COMPENSATION_FAILED (an operator's retry): said once already if it was cancelled.
  if (order.status === 'COMPENSATION_FAILED' && (await orders.wasCancelled(tx, orderId)))
    return undefined;
  return createEnvelope(
    'OrderCancelled',
    orderId,
    { orderId, reason: reason ?? 'PAYMENT_FAILED' },
    causation,
  );
}

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}
