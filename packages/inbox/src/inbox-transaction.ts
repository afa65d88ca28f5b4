import { AsyncLocalStorage } from 'node:async_hooks';
import type { Envelope } from '@order-saga/contracts';
import type { SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import type { SqlExecutor, TransactionRunner } from '@order-saga/persistence';
import { claimInboxMessage, inboxContains } from './inbox';
import { SharedTransaction, type BatchSlot } from './shared-transaction';

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
  private readonly scope = new AsyncLocalStorage<BatchSlot>();

  /**
   * Shared transactions for a consumer that applies records in batches (ADR 0016): messaging's
   * BatchUnitOfWork. An `apply` called while a record of such a batch runs joins its transaction.
   */
  readonly batches = { begin: () => SharedTransaction.begin(this.db, this.scope) };

  constructor(
    private readonly db: TransactionRunner,
    private readonly outbox: OutboxWriter,
    /** The consumer whose inbox this is (the service's consumer name). */
    private readonly consumer: string,
    private readonly metrics: SagaMetrics,
  ) {}

  /**
   * In a batch, returns only once the batch committed (so the caller's code after it runs once,
   * after the commit), and rejects with the consumer's reason when the batch rolled back.
   */
  async apply<T>(
    message: { readonly id: string; readonly type: string },
    delivery: MessageSource,
    effects: (tx: SqlExecutor) => Promise<Effects<T>>,
    options: ClaimOptions = {},
  ): Promise<InboxOutcome<T>> {
    const slot = this.scope.getStore();
    const outcome =
      slot?.batch.open === true
        ? await this.applyInBatch(slot, message, effects, options)
        : await this.db.transaction((tx) => this.claimAndApply(tx, message, effects, options));
    if (outcome.duplicate) this.metrics.inboxDuplicates.inc({ topic: delivery.topic });
    return outcome;
  }

  private async applyInBatch<T>(
    slot: BatchSlot,
    message: { readonly id: string; readonly type: string },
    effects: (tx: SqlExecutor) => Promise<Effects<T>>,
    options: ClaimOptions,
  ): Promise<InboxOutcome<T>> {
    const { batch } = slot;
    let outcome: InboxOutcome<T>;
    try {
      if (slot.joined)
        throw new Error(`${message.type} ${message.id}: a second apply in one batch`);
      slot.joined = true;
      outcome = await this.claimAndApply(batch.tx, message, effects, options);
    } catch (error) {
      // The transaction is aborted now (or half done): the batch must roll back, whatever the
      // handler does with the error.
      batch.fail(error);
      throw error;
    }
    slot.park();
    await batch.committed;
    return outcome;
  }

  private async claimAndApply<T>(
    tx: SqlExecutor,
    message: { readonly id: string; readonly type: string },
    effects: (tx: SqlExecutor) => Promise<Effects<T>>,
    options: ClaimOptions,
  ): Promise<InboxOutcome<T>> {
    await options.before?.(tx);
    if (!(await claimInboxMessage(tx, this.consumer, message))) return { duplicate: true };
    const { result, messages = [] } = await effects(tx);
    await this.outbox.append(tx, messages);
    return { duplicate: false, result };
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
