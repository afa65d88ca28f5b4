import {
  createEnvelope,
  type AnyEnvelope,
  type Causation,
  type Envelope,
} from '@order-saga/contracts';
import { ORDER_SAGA, classifyFact, sagaFacts } from '@order-saga/saga-definition';
import type { SagaFact, SagaOutput, SagaState } from '../domain/order-saga';

/**
 * The facts the orchestrator decides on: the saga's start and every outcome its definition
 * declares (a step merely started changes no decision).
 */
export const ORCHESTRATOR_INPUTS = [
  ORDER_SAGA.startedBy,
  ...sagaFacts(ORDER_SAGA).filter((name) => classifyFact(ORDER_SAGA, name)?.role !== 'started'),
];

export function factOf(envelope: AnyEnvelope): { fact: SagaFact; deadline?: Date } | undefined {
  switch (envelope.name) {
    case 'OrderCreated': {
      const { orderId, total, currency, paymentMethod, items } = envelope.data;
      return {
        fact: {
          kind: 'OrderCreated',
          order: {
            orderId,
            amount: total,
            currency,
            paymentMethod,
            items,
            correlationId: envelope.correlationId,
            traceparent: envelope.traceparent,
          },
        },
        deadline: new Date(envelope.data.deadline),
      };
    }
    case 'InventoryFailed':
      return { fact: { kind: 'StepFact', message: envelope.name, reason: envelope.data.reason } };
    case 'PaymentRefundFailed':
      return { fact: { kind: 'StepFact', message: envelope.name, error: envelope.data.error } };
    default:
      return ORCHESTRATOR_INPUTS.includes(envelope.name)
        ? { fact: { kind: 'StepFact', message: envelope.name } }
        : undefined;
  }
}

/** The message each decision output becomes; all carry the order id as subject and key. */
export function outputMessage(
  output: SagaOutput,
  state: SagaState,
  deadline: Date | undefined,
  causation: Causation,
): Envelope {
  const { orderId, amount, currency, paymentMethod, items } = state.order;
  switch (output.kind) {
    case 'action':
      switch (output.step.command) {
        case 'AuthorizePayment':
          return createEnvelope(
            'AuthorizePayment',
            orderId,
            { orderId, amount, currency, paymentMethod, items: [...items] },
            causation,
          );
        case 'ReserveInventory':
          return createEnvelope(
            'ReserveInventory',
            orderId,
            { orderId, items: [...items] },
            causation,
          );
        default:
          throw new Error(`no message for action ${output.step.command}`);
      }
    case 'compensation':
      switch (output.step.compensation?.command) {
        case 'RefundPayment':
          return createEnvelope(
            'RefundPayment',
            orderId,
            { orderId, reason: output.reason },
            causation,
          );
        case 'ReleaseInventory':
          return createEnvelope(
            'ReleaseInventory',
            orderId,
            { orderId, reason: output.reason },
            causation,
          );
        default:
          throw new Error(`no message for the compensation of ${output.step.name}`);
      }
    case 'deadline-exceeded':
      return createEnvelope(
        'OrderDeadlineExceeded',
        orderId,
        {
          orderId,
          deadline: (deadline ?? new Date()).toISOString(),
          compensations: [...output.compensations],
        },
        causation,
      );
  }
}
