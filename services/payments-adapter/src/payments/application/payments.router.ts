import {
  MESSAGES,
  type AnyEnvelope,
  type MessageName,
  type SagaTopic,
} from '@order-saga/contracts';
import type { Delivery } from '@order-saga/messaging';
import { ORDER_SAGA, choreographyInputs } from '@order-saga/saga-definition';
import type { AuthorizePaymentHandler } from './authorize-payment.handler';
import type { RefundPaymentHandler } from './refund-payment.handler';

const CHOREOGRAPHY = choreographyInputs(ORDER_SAGA, 'payment');
const STEP = ORDER_SAGA.steps[0];

/**
 * What the payment step consumes in each saga mode. Choreography: what the declared saga says
 * makes it act (the order was created) and undo (a later step failed, or the saga was aborted).
 * Orchestration: the step's command and its compensation's command.
 */
export const PAYMENT_INPUTS: Record<'choreography' | 'orchestration', readonly MessageName[]> = {
  choreography: [CHOREOGRAPHY.action, ...CHOREOGRAPHY.compensation],
  orchestration: [STEP.command, STEP.compensation.command],
};

export function inputTopics(inputs: readonly MessageName[]): SagaTopic[] {
  return [...new Set(inputs.map((name) => MESSAGES[name].topic))];
}

/**
 * Which consumed message starts which use case. Choreography reacts to facts; orchestration
 * obeys commands. The service subscribes to the topics of its mode only; anything else is not
 * ours to act on.
 */
export class PaymentsRouter {
  constructor(
    private readonly authorize: Pick<AuthorizePaymentHandler, 'handle'>,
    private readonly refund: Pick<RefundPaymentHandler, 'handle'>,
  ) {}

  async route(envelope: AnyEnvelope, delivery: Pick<Delivery, 'topic'>): Promise<void> {
    switch (envelope.name) {
      case 'OrderCreated': {
        const { orderId, total, currency, paymentMethod, items } = envelope.data;
        return this.authorize.handle(
          envelope,
          { orderId, amount: total, currency, paymentMethod, items },
          delivery.topic,
        );
      }
      case 'AuthorizePayment':
        return this.authorize.handle(envelope, envelope.data, delivery.topic);
      case 'InventoryFailed':
      case 'RefundPayment':
        return this.refund.handle(
          envelope,
          envelope.data.orderId,
          envelope.data.reason,
          delivery.topic,
        );
      case 'OrderDeadlineExceeded':
        return this.refund.handle(
          envelope,
          envelope.data.orderId,
          'DEADLINE_EXCEEDED',
          delivery.topic,
        );
      default:
        return;
    }
  }
}
