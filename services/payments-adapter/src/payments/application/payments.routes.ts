import type { Envelope, MessageName, SagaMode } from '@order-saga/contracts';
import { routesFor, type RoutesByMode } from '@order-saga/messaging';
import { ORDER_SAGA, choreographyInputs } from '@order-saga/saga-definition';
import type { AuthorizePaymentHandler, PaymentRequest } from './authorize-payment.handler';
import type { RefundPaymentHandler } from './refund-payment.handler';

const CHOREOGRAPHY = choreographyInputs(ORDER_SAGA, 'payment');
const STEP = ORDER_SAGA.steps[0];

/**
 * What the payment step consumes in each saga mode. Choreography: what the declared saga says
 * makes it act (the order was created) and undo (a later step failed, or the saga was aborted).
 * Orchestration: the step's command and its compensation's command.
 */
export const PAYMENT_INPUTS: Record<SagaMode, readonly MessageName[]> = {
  choreography: [CHOREOGRAPHY.action, ...CHOREOGRAPHY.compensation],
  orchestration: [STEP.command, STEP.compensation.command],
};

/** The charge an OrderCreated describes (choreography); AuthorizePayment carries one as is. */
function chargeOf(event: Envelope<'OrderCreated'>): PaymentRequest {
  const { orderId, total, currency, paymentMethod, items } = event.data;
  return { orderId, amount: total, currency, paymentMethod, items };
}

/** Which consumed message starts which use case, per saga mode: charge, or refund (the compensation). */
export function paymentsRoutes(
  authorize: Pick<AuthorizePaymentHandler, 'handle'>,
  refund: Pick<RefundPaymentHandler, 'handle'>,
): RoutesByMode {
  const handlers = {
    OrderCreated: (event, delivery) => authorize.handle(event, chargeOf(event), delivery),
    AuthorizePayment: (event, delivery) => authorize.handle(event, event.data, delivery),
    InventoryFailed: (event, delivery) =>
      refund.handle(event, event.data.orderId, event.data.reason, delivery),
    RefundPayment: (event, delivery) =>
      refund.handle(event, event.data.orderId, event.data.reason, delivery),
    OrderDeadlineExceeded: (event, delivery) =>
      refund.handle(event, event.data.orderId, 'DEADLINE_EXCEEDED', delivery),
  } satisfies Parameters<typeof routesFor>[1];
  return {
    choreography: routesFor(PAYMENT_INPUTS.choreography, handlers),
    orchestration: routesFor(PAYMENT_INPUTS.orchestration, handlers),
  };
}
