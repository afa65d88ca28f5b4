/** Whether POST /orders takes one more order now. */
export type Admission =
  | { readonly admitted: true }
  | {
      readonly admitted: false;
      readonly inFlight: number;
      readonly bound: number;
      readonly retryAfterSeconds: number;
    };

/**
 * Load shedding at the door: past the bound of unfinished sagas, an order would wait behind more
 * work than the system finishes before its deadline, so POST /orders answers 503 with Retry-After
 * instead of accepting it (nothing is written, nothing is published).
 *
 * The backlog is the count of unfinished sagas in the orders table, every replica's, sampled with
 * the other backlog gauges (SAGA_SWEEP_INTERVAL_MS). Between two samples each admitted request
 * holds a place, taken and checked in one synchronous step (so concurrent requests cannot all pass
 * on one stale count) and given back if its order is not created. The bound is exact for one
 * replica up to the requests still committing when a sample is taken; with several replicas it is
 * approximate by what the others admit within one sample interval.
 */
export class AdmissionControl {
  private sampled = 0;
  private admittedSinceSample = 0;

  /** `maxInFlight` 0 turns shedding off. */
  constructor(
    readonly maxInFlight: number,
    private readonly retryAfterSeconds: number,
  ) {}

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
    if (this.maxInFlight > 0 && this.inFlight >= this.maxInFlight)
      return {
        admitted: false,
        inFlight: this.inFlight,
        bound: this.maxInFlight,
        retryAfterSeconds: this.retryAfterSeconds,
      };
    this.admittedSinceSample += 1;
    return { admitted: true };
  }

  giveBack(): void {
    this.admittedSinceSample = Math.max(0, this.admittedSinceSample - 1);
  }
}
