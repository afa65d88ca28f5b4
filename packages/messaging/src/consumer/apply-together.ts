import { BatchRolledBack, type BatchUnitOfWork } from './batch-unit-of-work';

/** Why a batch was not committed and its records went the one-by-one path. */
export type FallbackReason =
  /** A record did not decode: the batch is not tried at all. */
  | 'undecodable'
  /** A record's handler failed inside the batch (a terminal error, a bug, an SQL error). */
  | 'record_failed'
  /** PostgreSQL aborted the batch for a concurrent transaction (deadlock, serialization). */
  | 'conflict'
  /** The shared transaction could not begin or commit. */
  | 'transaction_failed';

export type Settled = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

export type BatchOutcome =
  /** Committed; each handler's outcome after the commit, in order. */
  | { readonly kind: 'committed'; readonly settled: readonly Settled[] }
  /** Rolled back (or never begun): every record must be replayed one by one. */
  | { readonly kind: 'rolled-back'; readonly reason: FallbackReason; readonly error: unknown }
  /** Rolled back because `between` said stop (shutdown, partition revoked): replay nothing. */
  | { readonly kind: 'abandoned' };

// SQLSTATE 40P01 deadlock_detected, 40001 serialization_failure: the other transaction won, the
// records are fine. Read from the error and its causes (drivers and wrappers nest them).
const CONFLICT_STATES = new Set(['40P01', '40001']);

export function isConflict(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if ('code' in e && typeof e.code === 'string' && CONFLICT_STATES.has(e.code)) return true;
    e = e.cause;
  }
  return false;
}

/**
 * The end (exclusive) of the next group of messages to apply in one transaction, starting at
 * `from`: at most `max` messages the consumer acts on, and the skipped ones between them (they
 * cost nothing and their offsets move with the group).
 */
export function groupEnd<M>(
  messages: readonly M[],
  from: number,
  max: number,
  skipped: (message: M) => boolean,
): number {
  let taken = 0;
  let end = from;
  while (end < messages.length) {
    const isSkipped = skipped(messages[end] as M);
    if (!isSkipped && taken === max) break;
    if (!isSkipped) taken++;
    end++;
  }
  return end;
}

/**
 * Runs `records` through `run`, in order, inside one shared transaction: record i starts only
 * once record i-1 settled or parked waiting for the commit, so they apply sequentially, as one
 * by one. After the last, the transaction commits and the parked handlers return. Any failure
 * (a handler rejecting, the commit failing) rolls the whole batch back: nothing of it is kept and
 * the caller replays the records one by one. `goOn` is asked after each record whether to
 * continue (the partition still ours). It is synchronous on purpose: nothing that waits on the
 * broker (a heartbeat through a broker restart can take a minute) may run while the batch holds
 * its row locks, or other partitions' batches wait on them that long.
 */
export async function applyTogether<R>(
  unitOfWork: BatchUnitOfWork,
  records: readonly R[],
  run: (record: R) => Promise<void>,
  goOn: () => boolean,
): Promise<BatchOutcome> {
  let tx;
  try {
    tx = await unitOfWork.begin();
  } catch (error) {
    return { kind: 'rolled-back', reason: 'transaction_failed', error };
  }
  const runs: Promise<Settled>[] = [];
  let failed: Settled | undefined;
  let stop = false;
  const rolledBack = new BatchRolledBack();
  try {
    for (const record of records) {
      const entered = tx.enter(() => run(record));
      const settled = entered.settled.then(
        (): Settled => ({ ok: true }),
        (error: unknown): Settled => ({ ok: false, error }),
      );
      runs.push(settled);
      const first = await Promise.race([entered.parked.then(() => undefined), settled]);
      if (first?.ok === false) {
        failed = first;
        break;
      }
      if (!goOn()) {
        stop = true;
        break;
      }
    }
  } catch (error) {
    // Never leave the transaction open: its locks would hold other partitions' batches forever.
    await tx.rollback(rolledBack);
    await Promise.all(runs);
    throw error;
  }
  if (failed !== undefined || stop) {
    await tx.rollback(rolledBack);
    await Promise.all(runs);
    if (failed?.ok !== false) return { kind: 'abandoned' };
    const { error } = failed;
    return { kind: 'rolled-back', reason: isConflict(error) ? 'conflict' : 'record_failed', error };
  }
  try {
    await tx.commit(rolledBack);
  } catch (error) {
    await Promise.all(runs);
    return {
      kind: 'rolled-back',
      reason: isConflict(error) ? 'conflict' : 'transaction_failed',
      error,
    };
  }
  return { kind: 'committed', settled: await Promise.all(runs) };
}
