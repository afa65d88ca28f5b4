import type { PoolGauge } from '@order-saga/persistence';

/** Which bound a shed POST /orders hit; also the `bound` label of orders_shed_total. */
export type ShedBound = 'backlog' | 'pool';

/** Whether POST /orders takes one more order now. */
export type Admission =
  | { readonly admitted: true }
  | {
      readonly admitted: false;
      readonly bound: ShedBound;
      /** Unfinished sagas (backlog) or requests queued for a database connection (pool). */
      readonly level: number;
      readonly limit: number;
      readonly retryAfterSeconds: number;
    };

export interface AdmissionBounds {
  /** Unfinished sagas, every replica's, from which on POST /orders sheds (0: never). */
  readonly maxInFlight: number;
  /** Requests queued for one of this replica's pooled connections, from which on it sheds (0: never). */
  readonly maxPoolWaiting: number;
  readonly retryAfterSeconds: number;
  /** This replica's connection pool; without it only the backlog bound applies. */
  readonly pool?: PoolGauge;
}

/**
 * Load shedding at the door, on two bounds, both checked synchronously before anything is
 * written; past either, POST /orders answers 503 with Retry-After (nothing is written, nothing
 * is published).
 *
 * - The pool: what queues first. Every POST needs one of this replica's pooled connections, and
 *   so do the consumer and the relay; past the knee requests queue for one (pg-pool's wait
 *   queue) until its connect timeout. Past `maxPoolWaiting` waiters a new order would only
 *   lengthen that queue, so it is turned away at once, at the cost of a few property reads.
 *   Only while the queue moves (the database answers): a stalled one is an outage.
 * - The backlog: past the bound of unfinished sagas, an order would wait behind more work than
 *   the system finishes before its deadline. The count is the orders table's, every replica's,
 *   sampled with the other backlog gauges (SAGA_SWEEP_INTERVAL_MS). Between two samples each
 *   admitted request holds a place, taken and checked in one synchronous step (so concurrent
 *   requests cannot all pass on one stale count) and given back if its order is not created.
 *   The bound is exact for one replica up to the requests still committing when a sample is
 *   taken; with several replicas it is approximate by what the others admit within one sample
 *   interval.
 */
export class AdmissionControl {
  private sampled = 0;
  private admittedSinceSample = 0;

  constructor(private readonly bounds: AdmissionBounds) {}

  /** The backlog as the orders table counts it now (it includes what was admitted before). */
  observe(inFlight: number): void {
    this.sampled = inFlight;
    this.admittedSinceSample = 0;
  }

  get inFlight(): number {
    return this.sampled + this.admittedSinceSample;
  }

  /** Takes a place if one is free; call `giveBack` if the order then fails to be created. */
  admit(): Admission {
    const { maxInFlight, maxPoolWaiting, retryAfterSeconds, pool } = this.bounds;
    if (maxInFlight > 0 && this.inFlight >= maxInFlight)
      return shed('backlog', this.inFlight, maxInFlight, retryAfterSeconds);
    if (maxPoolWaiting > 0 && pool !== undefined) {
      // A queue that does not move is the database not answering: those requests get the
      // outage's answer (503 SERVICE.DATABASE_UNAVAILABLE), not "at capacity".
      const { waiting, answering } = pool();
      if (waiting >= maxPoolWaiting && answering)
        return shed('pool', waiting, maxPoolWaiting, retryAfterSeconds);
    }
    this.admittedSinceSample += 1;
    return { admitted: true };
  }

  giveBack(): void {
    this.admittedSinceSample = Math.max(0, this.admittedSinceSample - 1);
  }
}

function shed(
  bound: ShedBound,
  level: number,
  limit: number,
  retryAfterSeconds: number,
): Admission {
  return { admitted: false, bound, level, limit, retryAfterSeconds };
}
