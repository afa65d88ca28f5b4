import type { InboxTransactions } from '@order-saga/inbox';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import type { TransactionRunner } from '@order-saga/persistence';
import type { PaymentProviderClient } from '../infrastructure/payment-provider.client';
import type { PaymentRepository } from '../infrastructure/payment.repository';
import type { ProviderCalls } from './provider-calls';

/**
 * What every payments use case works with, built once in main.ts; each handler takes it as one
 * object (with its own settings beside it) instead of a row of positional arguments.
 */
export interface PaymentsContext {
  readonly db: TransactionRunner;
  /** The inbox of the messages the use case applies: the saga's, or the provider's webhooks'. */
  readonly inbox: InboxTransactions;
  readonly payments: PaymentRepository;
  readonly outbox: OutboxWriter;
  readonly logger: Logger;
  readonly metrics: SagaMetrics;
}

/** A use case that calls the payment provider: the client, and the seam every call goes through. */
export interface ProviderWork extends PaymentsContext {
  readonly provider: PaymentProviderClient;
  /** Attempts recorded, in-call retries and the circuit breaker around each provider call. */
  readonly calls: ProviderCalls;
}
