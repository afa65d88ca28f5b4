import { describe, expect, it } from 'vitest';
import { waitForGate, type ConsumptionGate } from './consumption-gate';

/** A gate switched by hand, as a breaker would switch it. */
function gate(): ConsumptionGate & { close(reason: string): void; open(): void } {
  let reason: string | undefined;
  const listeners = new Set<() => void>();
  const set = (next: string | undefined): void => {
    reason = next;
    for (const listener of listeners) listener();
  };
  return {
    closedBecause: () => reason,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: (why) => set(why),
    open: () => set(undefined),
  };
}

describe('waitForGate', () => {
  it('ends as soon as the gate changes, long before its time is up', async () => {
    const g = gate();
    g.close('breaker open');
    const started = performance.now();
    const waiting = waitForGate(g, 60_000, new AbortController().signal);
    setTimeout(() => g.open(), 10);
    await waiting;
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(g.closedBecause()).toBeUndefined();
  });

  it('ends after its time without a change, and at once when stopping', async () => {
    const g = gate();
    g.close('breaker open');
    await waitForGate(g, 5, new AbortController().signal);
    const stop = new AbortController();
    stop.abort();
    await waitForGate(g, 60_000, stop.signal);
    await waitForGate(undefined, 5, new AbortController().signal);
  });
});
