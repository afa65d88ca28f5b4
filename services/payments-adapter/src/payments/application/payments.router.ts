import type { AnyEnvelope } from '@order-saga/contracts';
import type { Delivery } from '@order-saga/messaging';
import type { AuthorizePaymentHandler } from './authorize-payment.handler';
import type { RefundPaymentHandler } from './refund-payment.handler';

/**
 * Which consumed message starts which use case. Choreography reacts to facts (OrderCreated,
 * InventoryFailed); orchestration obeys commands (AuthorizePayment, RefundPayment). The service
 * subscribes to the topics of its mode only; anything else is not ours to act on.
 */
export class PaymentsRouter {
  constructor(
    private readonly authorize: AuthorizePaymentHandler,
    private readonly refund: RefundPaymentHandler,
  ) {}

  async route(envelope: AnyEnvelope, delivery: Delivery): Promise<void> {
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
        return this.refund.handle(
          envelope,
          envelope.data.orderId,
          envelope.data.reason,
          delivery.topic,
        );
      case 'RefundPayment':
        return this.refund.handle(
          envelope,
          envelope.data.orderId,
          envelope.data.reason,
          delivery.topic,
        );
      default:
        return;
    }
  }
}
