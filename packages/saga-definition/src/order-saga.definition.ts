import type { SagaDefinition } from './saga-definition';

/**
 * The order saga, declared once. The orchestrator decides from it, choreography participants
 * subscribe from it (and their tests check they follow it), and GET /orders/{id} shows done,
 * running, remaining and compensated steps from it.
 *
 *   payment ──▶ inventory            (each step starts when the one before succeeded)
 *   refund  ◀── release              (compensations run last-done-first)
 */
export const ORDER_SAGA = {
  name: 'order',
  startedBy: 'OrderCreated',
  steps: [
    {
      name: 'payment',
      command: 'AuthorizePayment',
      triggeredBy: 'OrderCreated',
      startedBy: 'PaymentInitiated',
      succeededBy: 'PaymentConfirmed',
      failedBy: 'PaymentFailed',
      compensation: {
        name: 'refund',
        command: 'RefundPayment',
        completedBy: 'PaymentRefunded',
        failedBy: 'PaymentRefundFailed',
      },
    },
    {
      name: 'inventory',
      command: 'ReserveInventory',
      triggeredBy: 'PaymentConfirmed',
      succeededBy: 'InventoryReserved',
      failedBy: 'InventoryFailed',
      // A release is one local transaction: it cannot be refused, so it has no failure fact.
      compensation: {
        name: 'release',
        command: 'ReleaseInventory',
        completedBy: 'InventoryReleased',
      },
    },
  ],
  abortedBy: 'OrderDeadlineExceeded',
  // One second is the shortest deadline a sweeper ticking every second can honour; a day is
  // longer than any payment provider holds an authorization open without capture.
  deadline: { minMs: 1_000, maxMs: 86_400_000, defaultMs: 300_000 },
} as const satisfies SagaDefinition;

export type OrderSagaStep = (typeof ORDER_SAGA.steps)[number]['name'];
export type OrderSagaCompensation = (typeof ORDER_SAGA.steps)[number]['compensation']['name'];
