import type { SqlExecutor, TransactionRunner } from './sql';

/** How one batch of due rows is taken and decided (see `decideLockedBatch`). */
export interface LockedBatch<Row, Decision> {
  readonly limit: number;
  /** Selects at most `limit` due rows `FOR UPDATE SKIP LOCKED`. */
  lock(tx: SqlExecutor, limit: number): Promise<readonly Row[]>;
  /** Decides one row inside the batch's transaction; undefined leaves it alone. */
  decide(tx: SqlExecutor, row: Row): Promise<Decision | undefined>;
}

/**
 * One batch of due rows (a sweeper's tick), decided in one transaction. Rows are locked with SKIP
 * LOCKED, so replicas share the work and never decide one row twice; every write a decision makes
 * commits or rolls back with the batch. The decisions come back only after the commit: log and
 * count them then, never for a batch that rolled back.
 */
export async function decideLockedBatch<Row, Decision>(
  db: TransactionRunner,
  batch: LockedBatch<Row, Decision>,
): Promise<Decision[]> {
  return db.transaction(async (tx) => {
    const decided: Decision[] = [];
    for (const row of await batch.lock(tx, batch.limit)) {
      const decision = await batch.decide(tx, row);
      if (decision !== undefined) decided.push(decision);
    }
    return decided;
  });
}
