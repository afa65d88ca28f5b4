/**
 * Lets something outside the consumer hold back new work: a circuit breaker that knows the one
 * dependency every message needs is down. While the gate is closed the consumer pauses its
 * topics (nothing new is fetched, so nothing spends a retry or reaches a dead-letter topic), and
 * a message already waiting for the dependency waits for the gate rather than a growing backoff.
 */
export interface ConsumptionGate {
  /** Why consumption pauses now, or undefined while it may go on. */
  closedBecause(): string | undefined;
  /** Called on every change of the gate or of what stands behind it; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

/** Resolves after `ms`, when the gate changes, or when `signal` aborts: whichever comes first. */
export function waitForGate(
  gate: ConsumptionGate | undefined,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const unsubscribe = gate?.onChange(done) ?? ((): void => undefined);
    signal.addEventListener('abort', done, { once: true });
  });
}
