import type { Readiness } from './readiness-source';

/** How many observations in a row it takes to change a state (as Kubernetes probes count them). */
export interface ReadinessThresholds {
  /** Consecutive "not ready" observations that make a ready dependency unready. */
  readonly failureThreshold: number;
  /** Consecutive "ready" observations that make an unready dependency ready again. */
  readonly successThreshold: number;
}

/** Reports every flip at once: for sources whose input is already debounced (Kubernetes readiness). */
export const EDGES_ONLY: ReadinessThresholds = { failureThreshold: 1, successThreshold: 1 };

/**
 * Turns raw observations into reported states. The first observation is reported as it is (the
 * breaker should know at once if the dependency is down when we start); after that a state
 * changes only when `threshold` observations in a row disagree with it, and a steady state is
 * never reported twice. Pure: the sources feed it and call their listener with what it returns.
 */
export class ReadinessDebouncer {
  private state: Readiness | undefined;
  /** Observations in a row that disagreed with `state`. */
  private streak = 0;

  private readonly thresholds: ReadinessThresholds;

  constructor({ failureThreshold, successThreshold }: ReadinessThresholds) {
    this.thresholds = { failureThreshold, successThreshold };
    for (const [name, value] of Object.entries(this.thresholds))
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`${name} must be a whole number of at least 1, got ${value}`);
  }

  /** The state to report now, or undefined when nothing changed. */
  observe(observation: Readiness): Readiness | undefined {
    const previous = this.state;
    if (previous === undefined || previous.ready === observation.ready) {
      // Same state: the reason stays current ("1 of 2 ready" -> "2 of 2 ready") without a report.
      this.state = observation;
      this.streak = 0;
      return previous === undefined ? observation : undefined;
    }
    this.streak += 1;
    const needed = observation.ready
      ? this.thresholds.successThreshold
      : this.thresholds.failureThreshold;
    if (this.streak < needed) return undefined;
    this.state = observation;
    this.streak = 0;
    return observation;
  }

  current(): Readiness | undefined {
    return this.state;
  }
}
