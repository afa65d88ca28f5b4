import type { AnyEnvelope } from '@order-saga/contracts';
import type { AuthorizePaymentHandler } from './authorize-payment.handler';
import type { RefundPaymentHandler } from './refund-payment.handler';

/** Which consumed message starts which use case (choreography). Others are not ours to act on. */
export class SagaEventsRouter {
  constructor(
    private readonly authorize: AuthorizePaymentHandler,
    private readonly refund: RefundPaymentHandler,
  ) {}

  async route(envelope: AnyEnvelope): Promise<void> {
    switch (envelope.name) {
      case 'OrderCreated':
        return this.authorize.handle(envelope);
      case 'InventoryFailed':
        return this.refund.handle(envelope);
      default:
        return;
    }
  }
}
