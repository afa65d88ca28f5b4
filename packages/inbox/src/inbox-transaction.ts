import type { Envelope } from '@order-saga/contracts';
import type { SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import type { SqlExecutor, TransactionRunner } from '@order-saga/persistence';
import { claimInboxMessage, inboxContains } from './inbox';

/** What a use case's effects leave behind: a result for its log line, and the messages they imply. */
export interface Effects<T> {
  readonly result: T;
  /** Appended to the outbox in the same transaction, so they are sent if and only if it commits. */
  readonly messages?: readonly Envelope[];
}

export type InboxOutcome<T> =
  { readonly duplicate: true } | { readonly duplicate: false; readonly result: T };

/**
 * Where a message came from, for `inbox_duplicates_total{topic}`: the Kafka topic it was consumed
 * from, or for a message delivered over HTTP (the provider's webhooks) the route it arrived on.
 */
export interface MessageSource {
  readonly topic: string;
}

export interface ClaimOptions {
  /**
   * Runs first in the transaction, before the claim: a check whose refusal (a throw, which rolls
   * everything back) must hold for a duplicate too, e.g. a webhook's signature seen before.
   */
  readonly before?: (tx: SqlExecutor) => Promise<void>;
}

/**
 * The one shape of "apply a consumed message": in one transaction, claim the message in the
 * inbox, run the use case's effects, append the messages they imply to the outbox. A
 * redelivery finds its claim taken, runs nothing, and is counted in `inbox_duplicates_total`.
 */
export class InboxTransactions {
  constructor(
    private readonly db: TransactionRunner,
    private readonly outbox: OutboxWriter,
    /** The consumer whose inbox this is (the service's consumer name). */
    private readonly consumer: string,
    private readonly metrics: SagaMetrics,
  ) {}

  async apply<T>(
    message: { readonly id: string; readonly type: string },
    delivery: MessageSource,
    effects: (tx: SqlExecutor) => Promise<Effects<T>>,
    options: ClaimOptions = {},
  ): Promise<InboxOutcome<T>> {
    const outcome = await this.db.transaction(async (tx): Promise<InboxOutcome<T>> => {
      await options.before?.(tx);
      if (!(await claimInboxMessage(tx, this.consumer, message))) return { duplicate: true };
      const { result, messages = [] } = await effects(tx);
      await this.outbox.append(tx, messages);
      return { duplicate: false, result };
    });
    if (outcome.duplicate) this.metrics.inboxDuplicates.inc({ topic: delivery.topic });
    return outcome;
  }

  /**
   * Whether this consumer already applied the message (counted as a duplicate if so): lets a
   * use case that must call out before its transaction skip the call on a redelivery. The claim
   * in `apply` still decides, so two concurrent deliveries never both apply.
   */
  async alreadyApplied(
    message: { readonly id: string },
    delivery: MessageSource,
  ): Promise<boolean> {
    if (!(await inboxContains(this.db, this.consumer, message.id))) return false;
    this.metrics.inboxDuplicates.inc({ topic: delivery.topic });
    return true;
  }
}
