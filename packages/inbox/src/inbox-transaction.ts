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
    delivery: { readonly topic: string },
    effects: (tx: SqlExecutor) => Promise<Effects<T>>,
  ): Promise<InboxOutcome<T>> {
    const outcome = await this.db.transaction(async (tx): Promise<InboxOutcome<T>> => {
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
    delivery: { readonly topic: string },
  ): Promise<boolean> {
    if (!(await inboxContains(this.db, this.consumer, message.id))) return false;
    this.metrics.inboxDuplicates.inc({ topic: delivery.topic });
    return true;
  }
}
