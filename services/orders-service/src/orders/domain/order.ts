import type { CancellationReason, OrderLine } from '@order-saga/contracts';
import type { SagaStepName, SagaStepStatus } from './saga-step';
import type { OrderStatus } from './order-status';

export interface NewOrder {
  readonly customerId: string;
  readonly currency: string;
  readonly items: readonly OrderLine[];
  readonly paymentMethod: string;
}

export interface OrderTransition {
  readonly from: OrderStatus | null;
  readonly to: OrderStatus;
  readonly reason: CancellationReason | null;
  readonly causedBy: { readonly messageId: string; readonly type: string } | null;
  readonly at: string;
}

export interface SagaStep {
  readonly name: SagaStepName;
  readonly status: SagaStepStatus;
  readonly attempts: number;
  readonly detail: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
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
  readonly steps: readonly SagaStep[];
  readonly history: readonly OrderTransition[];
}

/** Sum of the lines in minor units; callers bound quantity and price so it stays a safe integer. */
export function orderTotal(items: readonly OrderLine[]): number {
  return items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
}
