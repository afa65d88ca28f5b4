import type { AsyncLocalStorage } from 'node:async_hooks';
import type { SqlExecutor, TransactionRunner } from '@order-saga/persistence';

/**
 * One record's place in a shared transaction, current (AsyncLocalStorage) while its handler
 * runs: the inbox's apply finds it and joins the transaction instead of opening its own.
 */
export interface BatchSlot {
  readonly batch: SharedTransaction;
  /** Set by the first apply: a record applies once per batch. */
  joined: boolean;
  /** Its effects are in the transaction; it waits for the commit. */
  park(): void;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A transaction held open across several records' applies (ADR 0016): the connection's
 * `transaction` callback waits until the consumer decides, then commits, or rolls back by
 * throwing. Implements messaging's BatchTransaction (structurally: the inbox does not depend on
 * the consumer).
 */
export class SharedTransaction {
  /** False once commit or rollback was asked: a later apply runs in its own transaction. */
  open = true;
  private executor: SqlExecutor | undefined;
  private failure: { readonly error: unknown } | undefined;
  private readonly decision = deferred<void>();
  private readonly ended = deferred<void>();
  private settledTransaction: Promise<void> = Promise.resolve();

  private constructor(private readonly scope: AsyncLocalStorage<BatchSlot>) {
    // Rejected on purpose when the batch rolls back; whoever awaits them sees it.
    this.decision.promise.catch(() => undefined);
    this.ended.promise.catch(() => undefined);
  }

  /** Resolves once the transaction began on its own connection. */
  static begin(
    db: TransactionRunner,
    scope: AsyncLocalStorage<BatchSlot>,
  ): Promise<SharedTransaction> {
    const shared = new SharedTransaction(scope);
    return new Promise((resolve, reject) => {
      shared.settledTransaction = db.transaction(async (tx) => {
        shared.executor = tx;
        resolve(shared);
        // Resolved: the callback returns and the transaction commits. Rejected: it rolls back.
        await shared.decision.promise;
      });
      // Before the callback ran: BEGIN (or the connection) failed. After: a no-op.
      shared.settledTransaction.catch(reject);
    });
  }

  get tx(): SqlExecutor {
    if (this.executor === undefined) throw new Error('shared transaction not begun');
    return this.executor;
  }

  /** Resolves when the batch committed; rejects with the consumer's reason when it did not. */
  get committed(): Promise<void> {
    return this.ended.promise;
  }

  /** A record's effects failed: the transaction is aborted and must never be committed. */
  fail(error: unknown): void {
    this.failure ??= { error };
  }

  enter(work: () => Promise<void>): { parked: Promise<void>; settled: Promise<void> } {
    const parked = deferred<void>();
    const slot: BatchSlot = { batch: this, joined: false, park: () => parked.resolve() };
    return { parked: parked.promise, settled: this.scope.run(slot, work) };
  }

  async commit(rolledBack: Error): Promise<void> {
    this.open = false;
    const { failure } = this;
    if (failure !== undefined) {
      // PostgreSQL answers COMMIT of an aborted transaction with a silent ROLLBACK: never rely on it.
      await this.rollback(rolledBack);
      throw failure.error;
    }
    this.decision.resolve();
    try {
      await this.settledTransaction;
    } catch (error) {
      this.ended.reject(rolledBack);
      throw error;
    }
    this.ended.resolve();
  }

  async rollback(rolledBack: Error): Promise<void> {
    this.open = false;
    this.decision.reject(rolledBack);
    // Rejects with `rolledBack` itself, or with the ROLLBACK's own error (the connection is gone,
    // which ends the transaction as surely).
    await this.settledTransaction.catch(() => undefined);
    this.ended.reject(rolledBack);
  }
}
