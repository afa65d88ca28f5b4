import { createEnvelope, type Causation } from '@order-saga/contracts';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import type { SqlExecutor } from '@order-saga/persistence';
import type { AuthorizationResult, Payment } from '../domain/payment';
import type { PaymentRepository } from '../infrastructure/payment.repository';

/** A provider's final word on a charge: everything but "pending". */
export type FinalAuthorization = Exclude<AuthorizationResult, { kind: 'pending' }>;

/**
 * Records the provider's decision on a PENDING payment and emits PaymentConfirmed or
 * PaymentFailed, in the caller's transaction (which holds the payment's row lock). One place,
 * whether the decision came back in the call or later by webhook.
 */
export async function recordAuthorization(
  tx: SqlExecutor,
  deps: { readonly payments: PaymentRepository; readonly outbox: OutboxWriter },
  payment: Payment,
  result: FinalAuthorization,
  causation: Causation,
  attempts: number,
): Promise<void> {
  const base = { orderId: payment.orderId, paymentId: payment.id };
  if (result.kind === 'approved') {
    await deps.payments.confirm(tx, payment.id, result.providerPaymentId);
    await deps.outbox.append(tx, [
      createEnvelope(
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
      ),
    ]);
    return;
  }
  const reason = result.kind === 'declined' ? 'DECLINED' : result.reason;
  const detail = result.kind === 'declined' ? result.declineCode : result.detail;
  await deps.payments.fail(tx, payment.id, reason);
  await deps.outbox.append(tx, [
    createEnvelope(
      'PaymentFailed',
      payment.orderId,
      { ...base, reason, detail, attempts },
      causation,
    ),
  ]);
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
