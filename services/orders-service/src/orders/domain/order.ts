import type { CancellationReason, OrderLine } from '@order-saga/contracts';
import type { SagaProgress } from '@order-saga/saga-definition';
import type { SagaStepName, SagaStepStatus } from './saga-step';
import type { OrderWaiting } from './dependency-status';
import type { OrderStatus } from './order-status';

export interface NewOrder {
  readonly customerId: string;
  readonly currency: string;
  readonly items: readonly OrderLine[];
  readonly paymentMethod: string;
  /** The order's own saga deadline, if it asked for one (already within the saga's bounds). */
  readonly deadlineMs?: number;
}

export interface OrderTransition {
  readonly from: OrderStatus | null;
  readonly to: OrderStatus;
  readonly reason: CancellationReason | null;
  readonly causedBy: { readonly messageId: string; readonly type: string } | null;
  readonly at: string;
}

/** One entry of the saga's timeline: a step, or the compensation that undoes one. */
export interface SagaStep {
  readonly name: SagaStepName;
  readonly kind: 'step' | 'compensation';
  /** For a compensation: the step it undoes. */
  readonly undoes: SagaStepName | null;
  readonly status: SagaStepStatus;
  readonly attempts: number;
  readonly detail: string | null;
  /** The error of the last failed attempt, when the entry failed. */
  readonly lastError: { readonly message: string; readonly at: string | null } | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

/** The saga at a glance (the definition's summary), and which mode ran it. */
export interface SagaOverview extends SagaProgress {
  readonly mode: 'choreography' | 'orchestration';
}

/** A fact that arrived after the saga gave up or ended: it moved nothing, and is undone. */
export interface LateFact {
  readonly type: string;
  readonly messageId: string;
  /** The order's status when it arrived. */
  readonly orderStatus: OrderStatus;
  readonly at: string;
}

/** The aggregated order as GET /orders/{id} shows it. */
export interface OrderView {
  readonly id: string;
  readonly status: OrderStatus;
  readonly reason: CancellationReason | null;
  readonly customerId: string;
  readonly currency: string;
  readonly items: readonly OrderLine[];
  readonly total: number;
  readonly correlationId: string;
  readonly traceId: string;
  readonly deadline: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly saga: SagaOverview;
  readonly steps: readonly SagaStep[];
  readonly history: readonly OrderTransition[];
  readonly lateFacts: readonly LateFact[];
  /** Why the order is not moving (its payment provider is down), or null. */
  readonly waiting: OrderWaiting | null;
}

/** Sum of the lines in minor units; callers bound quantity and price so it stays a safe integer. */
export function orderTotal(items: readonly OrderLine[]): number {
  return items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
}
