import type { TransactionRunner } from '@order-saga/persistence';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import { retry, type RetryPolicy, type SharedCircuitBreaker } from '@order-saga/resilience';
import { ProviderUnavailableError } from '../infrastructure/payment-provider.client';
import type { PaymentRepository } from '../infrastructure/payment.repository';

const PROVIDER_OPERATIONS = ['authorize', 'refund'] as const;
export type ProviderOperation = (typeof PROVIDER_OPERATIONS)[number];

export interface ProviderCallPolicy {
  /** In-call retries of a transient failure (no answer, 5xx): exponential, full jitter. */
  readonly retry: RetryPolicy;
  /** No in-call retry starts later than this after the first try (ms). */
  readonly budgetMs: number;
}

/**
 * Runs the calls to the payment provider on behalf of a payment: each try through the circuit
 * breaker, transient failures retried in the call (the one `retry` helper, full jitter, bounded
 * in attempts and time), and every try recorded whatever its outcome: a `payment_attempts` row
 * (operation, outcome, duration), the attempt/retry counters and the latency histogram.
 *
 * A decline, a 4xx or a malformed answer is never retried here. When the in-call budget is spent
 * the last ProviderUnavailableError goes to the consumer, which waits and redelivers (never a
 * dead letter); the provider's idempotency key makes every repeat safe. A call the open breaker
 * refuses is not made, so it is neither an attempt nor recorded: the consumer pauses meanwhile.
 */
export class ProviderCalls {
  constructor(
    private readonly db: TransactionRunner,
    private readonly payments: PaymentRepository,
    private readonly breaker: Pick<SharedCircuitBreaker, 'fire'>,
    private readonly policy: ProviderCallPolicy,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
  ) {
    // Exported at zero from the start: rate() needs a scraped zero to see the first call, and the
    // retry ratio is 0, not "no data", while nothing is retried.
    for (const operation of PROVIDER_OPERATIONS) {
      metrics.paymentAttempts.inc({ operation }, 0);
      metrics.paymentRetries.inc({ operation }, 0);
    }
    metrics.paymentFailures.inc({ reason: 'provider_unavailable' }, 0);
  }

  async run<T>(
    call: { paymentId: string; operation: ProviderOperation; previousAttempts: number },
    send: () => Promise<T>,
    outcomeOf: (result: T) => string,
  ): Promise<{ result: T; attempts: number }> {
    let made = 0;
    const log = this.logger.child({ paymentId: call.paymentId, operation: call.operation });
    try {
      return await retry(
        () =>
          this.breaker.fire(() => {
            // A retry is any try after the first for this payment: in this call, or after a
            // redelivery (an earlier handling recorded its tries).
            const retrying = call.previousAttempts + made > 0;
            made++;
            return this.attempt(call, retrying, send, outcomeOf);
          }),
        this.policy.retry,
        {
          maxElapsedMs: this.policy.budgetMs,
          // An open breaker's refusal is no ProviderUnavailableError: it ends the loop at once.
          retryable: (error) => error instanceof ProviderUnavailableError,
          onRetry: (error, next) =>
            log.warn(
              { err: error, attempt: next.attempt, retryInMs: next.delayMs },
              'payment.provider_retry_scheduled',
            ),
        },
      );
    } catch (error) {
      if (error instanceof ProviderUnavailableError) {
        // The in-call budget is spent: the message waits and is redelivered (ADR 0012).
        this.metrics.paymentFailures.inc({ reason: 'provider_unavailable' });
        log.warn({ err: error, tries: made }, 'payment.provider_budget_spent');
      }
      throw error;
    }
  }

  /** One try: counted, timed and recorded, whatever its outcome. */
  private async attempt<T>(
    call: { paymentId: string; operation: ProviderOperation },
    retrying: boolean,
    send: () => Promise<T>,
    outcomeOf: (result: T) => string,
  ): Promise<{ result: T; attempts: number }> {
    const { paymentId, operation } = call;
    this.metrics.paymentAttempts.inc({ operation });
    if (retrying) this.metrics.paymentRetries.inc({ operation });
    const started = performance.now();
    let result: T;
    try {
      result = await send();
    } catch (error) {
      const outcome = error instanceof ProviderUnavailableError ? 'unavailable' : 'rejected';
      await this.record(paymentId, operation, outcome, started);
      throw error;
    }
    const attempts = await this.record(paymentId, operation, outcomeOf(result), started);
    return { result, attempts };
  }

  private async record(
    paymentId: string,
    operation: ProviderOperation,
    outcome: string,
    started: number,
  ): Promise<number> {
    const durationMs = performance.now() - started;
    this.metrics.paymentProviderCallDuration.observe({ operation, outcome }, durationMs / 1000);
    return this.payments.recordAttempt(this.db, paymentId, operation, outcome, durationMs);
  }
}
