import { createEnvelope, type Causation, type Envelope } from '@order-saga/contracts';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { SqlExecutor } from '@order-saga/persistence';
import type { AuthorizationResult, Payment } from '../domain/payment';
import type { PaymentRepository } from '../infrastructure/payment.repository';

/** A provider's final word on a charge: everything but "pending". */
export type FinalAuthorization = Exclude<AuthorizationResult, { kind: 'pending' }>;

/**
 * Records the provider's decision on a PENDING payment in the caller's transaction (which holds
 * the payment's row lock) and returns the message it implies, PaymentConfirmed or PaymentFailed,
 * for the inbox transaction to append. One place, whether the decision came back in the call or
 * later by webhook.
 */
export async function recordAuthorization(
  tx: SqlExecutor,
  payments: PaymentRepository,
  payment: Payment,
  result: FinalAuthorization,
  causation: Causation,
  attempts: number,
): Promise<Envelope> {
  const base = { orderId: payment.orderId, paymentId: payment.id };
  if (result.kind === 'approved') {
    await payments.confirm(tx, payment.id, result.providerPaymentId);
    return createEnvelope(
      'PaymentConfirmed',
      payment.orderId,
      {
        ...base,
        amount: payment.amount,
        currency: payment.currency,
        providerPaymentId: result.providerPaymentId,
        attempts,
        items: [...payment.items],
      },
      causation,
    );
  }
  const reason = result.kind === 'declined' ? 'DECLINED' : result.reason;
  const detail = result.kind === 'declined' ? result.declineCode : result.detail;
  await payments.fail(tx, payment.id, reason);
  return createEnvelope(
    'PaymentFailed',
    payment.orderId,
    { ...base, reason, detail, attempts },
    causation,
  );
}

/** The log line and failure counter of a decision once its transaction committed. */
export function reportAuthorization(
  log: Logger,
  metrics: SagaMetrics,
  payment: Payment,
  result: FinalAuthorization,
  attempts: number,
): void {
  if (result.kind === 'approved') {
    log.info({ paymentId: payment.id, attempts }, 'payment.authorized');
    return;
  }
  const reason = result.kind === 'declined' ? 'declined' : result.reason.toLowerCase();
  metrics.paymentFailures.inc({ reason });
  log.info({ paymentId: payment.id, attempts, reason }, 'payment.failed');
}
