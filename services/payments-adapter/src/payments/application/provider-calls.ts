import type { TransactionRunner } from '@order-saga/persistence';
import type { SagaMetrics } from '@order-saga/observability';
import type { PaymentRepository } from '../infrastructure/payment.repository';

const PROVIDER_OPERATIONS = ['authorize', 'refund'] as const;
export type ProviderOperation = (typeof PROVIDER_OPERATIONS)[number];

/**
 * Runs one call to the payment provider on behalf of a payment and records it, whatever its
 * outcome: a `payment_attempts` row (operation, outcome, duration) and the attempt/retry
 * counters. A call that throws is recorded as `unavailable` and rethrown for the consumer to
 * retry; the provider's idempotency key makes the repeat safe.
 */
export class ProviderCalls {
  constructor(
    private readonly db: TransactionRunner,
    private readonly payments: PaymentRepository,
    private readonly metrics: SagaMetrics,
  ) {
    // Exported at zero from the start: rate() needs a scraped zero to see the first call, and the
    // retry ratio is 0, not "no data", while nothing is retried.
    for (const operation of PROVIDER_OPERATIONS) {
      metrics.paymentAttempts.inc({ operation }, 0);
      metrics.paymentRetries.inc({ operation }, 0);
    }
  }

  async run<T>(
    call: { paymentId: string; operation: ProviderOperation; previousAttempts: number },
    send: () => Promise<T>,
    outcomeOf: (result: T) => string,
  ): Promise<{ result: T; attempts: number }> {
    const { paymentId, operation } = call;
    this.metrics.paymentAttempts.inc({ operation });
    // A call after an earlier one for the same payment is a retry (a redelivery after a fault).
    if (call.previousAttempts > 0) this.metrics.paymentRetries.inc({ operation });
    const started = performance.now();
    let result: T;
    try {
      result = await send();
    } catch (error) {
      await this.payments.recordAttempt(
        this.db,
        paymentId,
        operation,
        'unavailable',
        performance.now() - started,
      );
      throw error;
    }
    const attempts = await this.payments.recordAttempt(
      this.db,
      paymentId,
      operation,
      outcomeOf(result),
      performance.now() - started,
    );
    return { result, attempts };
  }
}
