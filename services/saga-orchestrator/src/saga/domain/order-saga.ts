import type { CancellationReason, OrderLine } from '@order-saga/contracts';

/**
 * The order saga as an explicit state machine (orchestration mode). After each step succeeds its
 * compensation is pushed on a stack; when a later step fails the stack is unwound in reverse, one
 * command per compensation (after temporalio's saga sample). Pure: no I/O, no clock.
 */
export type SagaStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'COMPENSATING' | 'COMPENSATED';
export type SagaStep = 'AUTHORIZE_PAYMENT' | 'RESERVE_INVENTORY' | 'COMPENSATE' | 'DONE';
export type Compensation = 'RefundPayment';

export interface OrderSnapshot {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentMethod: string;
  readonly items: readonly OrderLine[];
}

export interface SagaState {
  readonly status: SagaStatus;
  readonly step: SagaStep;
  /** Compensations of the steps done so far; the last one is undone first. */
  readonly compensations: readonly Compensation[];
  readonly order: OrderSnapshot;
  readonly reason: CancellationReason | null;
}

export type SagaCommand =
  | { readonly name: 'AuthorizePayment'; readonly order: OrderSnapshot }
  | { readonly name: 'ReserveInventory'; readonly order: OrderSnapshot }
  | {
      readonly name: 'RefundPayment';
      readonly orderId: string;
      readonly reason: CancellationReason;
    };

export type SagaFact =
  | { readonly kind: 'OrderCreated'; readonly order: OrderSnapshot }
  | { readonly kind: 'PaymentConfirmed' }
  | { readonly kind: 'PaymentFailed' }
  | { readonly kind: 'InventoryReserved' }
  | { readonly kind: 'InventoryFailed'; readonly reason: CancellationReason }
  | { readonly kind: 'PaymentRefunded' };

export type Decision =
  | { readonly apply: true; readonly state: SagaState; readonly commands: readonly SagaCommand[] }
  | { readonly apply: false; readonly why: string };

function compensationCommand(
  compensation: Compensation,
  state: SagaState,
  reason: CancellationReason,
): SagaCommand {
  switch (compensation) {
    case 'RefundPayment':
      return { name: 'RefundPayment', orderId: state.order.orderId, reason };
  }
}

export function decide(state: SagaState | undefined, fact: SagaFact): Decision {
  if (state === undefined) {
    if (fact.kind !== 'OrderCreated') return { apply: false, why: `no saga for ${fact.kind}` };
    return {
      apply: true,
      state: {
        status: 'RUNNING',
        step: 'AUTHORIZE_PAYMENT',
        compensations: [],
        order: fact.order,
        reason: null,
      },
      commands: [{ name: 'AuthorizePayment', order: fact.order }],
    };
  }
  const at = `${state.status}/${state.step}`;
  switch (`${at}:${fact.kind}`) {
    case 'RUNNING/AUTHORIZE_PAYMENT:PaymentConfirmed':
      return {
        apply: true,
        state: {
          ...state,
          step: 'RESERVE_INVENTORY',
          compensations: [...state.compensations, 'RefundPayment'],
        },
        commands: [{ name: 'ReserveInventory', order: state.order }],
      };
    case 'RUNNING/AUTHORIZE_PAYMENT:PaymentFailed':
      // Nothing was done that needs undoing.
      return { apply: true, state: { ...state, status: 'FAILED', step: 'DONE' }, commands: [] };
    case 'RUNNING/RESERVE_INVENTORY:InventoryReserved':
      return { apply: true, state: { ...state, status: 'COMPLETED', step: 'DONE' }, commands: [] };
    case 'RUNNING/RESERVE_INVENTORY:InventoryFailed': {
      const reason = fact.kind === 'InventoryFailed' ? fact.reason : 'OUT_OF_STOCK';
      const commands = [...state.compensations]
        .reverse()
        .map((c) => compensationCommand(c, state, reason));
      return {
        apply: true,
        state: {
          ...state,
          status: commands.length > 0 ? 'COMPENSATING' : 'COMPENSATED',
          step: commands.length > 0 ? 'COMPENSATE' : 'DONE',
          reason,
        },
        commands,
      };
    }
    case 'COMPENSATING/COMPENSATE:PaymentRefunded': {
      const compensations = state.compensations.filter((c) => c !== 'RefundPayment');
      const done = compensations.length === 0;
      return {
        apply: true,
        state: {
          ...state,
          compensations,
          status: done ? 'COMPENSATED' : 'COMPENSATING',
          step: done ? 'DONE' : 'COMPENSATE',
        },
        commands: [],
      };
    }
    default:
      return { apply: false, why: `${fact.kind} does not apply at ${at}` };
  }
}
