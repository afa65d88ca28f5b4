import type { SagaFact } from './order-state-machine';

export type SagaStepName = 'payment' | 'inventory' | 'refund';
export type SagaStepStatus =
  'PENDING' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'COMPENSATED';

export interface StepUpdate {
  readonly name: SagaStepName;
  readonly status: SagaStepStatus;
  readonly attempts?: number;
  readonly detail?: string;
}

/**
 * What a saga fact says about each step, for the order's timeline. Steps only move forward
 * (PENDING < IN_PROGRESS < SUCCEEDED | FAILED | SKIPPED < COMPENSATED); the store enforces that,
 * so a late fact never rewinds a step.
 */
export function stepUpdates(
  fact: SagaFact & { readonly attempts?: number; readonly detail?: string },
): StepUpdate[] {
  const extra = {
    ...(fact.attempts === undefined ? {} : { attempts: fact.attempts }),
    ...(fact.detail === undefined ? {} : { detail: fact.detail }),
  };
  switch (fact.kind) {
    case 'PaymentInitiated':
      return [{ name: 'payment', status: 'IN_PROGRESS' }];
    case 'PaymentConfirmed':
      return [
        { name: 'payment', status: 'SUCCEEDED', ...extra },
        { name: 'inventory', status: 'IN_PROGRESS' },
      ];
    case 'PaymentFailed':
      return [
        { name: 'payment', status: 'FAILED', ...extra },
        { name: 'inventory', status: 'SKIPPED' },
      ];
    // A reservation is one transaction: it succeeds or fails on its single attempt.
    case 'InventoryReserved':
      return [{ name: 'inventory', status: 'SUCCEEDED', attempts: 1 }];
    case 'InventoryFailed':
      return [
        { name: 'inventory', status: 'FAILED', attempts: 1, detail: fact.reason },
        { name: 'refund', status: 'IN_PROGRESS' },
      ];
    case 'PaymentRefunded':
      return [
        { name: 'refund', status: 'SUCCEEDED', ...extra },
        { name: 'payment', status: 'COMPENSATED' },
      ];
  }
}
