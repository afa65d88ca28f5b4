/**
 * One database transaction shared by several consumed records of one partition (ADR 0016). The
 * consumer knows no database: the inbox implements this, and the service bootstrap hands it to
 * the consumers that opt in. While a record's handler runs inside `enter`, the inbox's apply joins
 * the shared transaction instead of opening its own, and does not return before the batch ended:
 * a handler's code after its apply (logs, metrics) runs once, and only after the commit.
 */
export interface BatchUnitOfWork {
  /** Opens the shared transaction; rejects when it cannot (the database is down, say). */
  begin(): Promise<BatchTransaction>;
}

export interface BatchTransaction {
  /**
   * Runs one record's handler in the batch's scope. `parked` resolves once its effects are in the
   * transaction and it waits for the commit (a handler that settles without applying anything
   * never parks); `settled` is the handler's own outcome.
   */
  enter(work: () => Promise<void>): {
    readonly parked: Promise<void>;
    readonly settled: Promise<void>;
  };
  /**
   * Commits, then lets the parked handlers return. Rejects when any record's effects failed (the
   * transaction is then rolled back, never committed) or the commit did; the parked handlers
   * then reject with `rolledBack`.
   */
  commit(rolledBack: Error): Promise<void>;
  /** Rolls back; the parked handlers reject with `rolledBack`. */
  rollback(rolledBack: Error): Promise<void>;
}

/**
 * What a parked handler rejects with when its batch did not commit. Not a failure of its record:
 * the records are replayed one by one, where the record that failed fails on its own.
 */
export class BatchRolledBack extends Error {
  override readonly name = 'BatchRolledBack';
  constructor() {
    super('the batch transaction was rolled back; its records are replayed one by one');
  }
}
