/** What a readiness source last saw of the dependency it watches. */
export interface Readiness {
  readonly ready: boolean;
  /**
   * Why, in a few words, for logs, the breaker's hold and /health/ready: "2 of 2 endpoints
   * ready", "HTTP 503 (processor: simulated outage)", "unreachable (ECONNREFUSED)".
   */
  readonly reason: string;
}

export type ReadinessListener = (readiness: Readiness) => void;

/**
 * Tells whether a dependency can take calls, as something other than our own calls sees it: its
 * readiness endpoint, or Kubernetes' view of its pods. The listener hears the first state the
 * source establishes, then each change of `ready` (edge-triggered: a steady state is never
 * repeated, and a source may debounce flapping before it reports a change).
 */
export interface ReadinessSource {
  /** How the dependency is watched (`http`, `endpointslices`): for logs and /health/ready. */
  readonly kind: string;
  /** Starts watching. Once only; the listener must not throw. */
  start(listener: ReadinessListener): void;
  /** Stops watching; the listener is not called after this resolves. */
  stop(): Promise<void>;
  /** The last state reported (its reason kept current); undefined before the first. */
  current(): Readiness | undefined;
}
