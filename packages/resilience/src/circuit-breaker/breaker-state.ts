/**
 * The circuit breaker's decisions, pure: what a trip, a hold, a release, an elapsed reset
 * timeout or a probe's result does to the breaker's record. The record is what replicas share
 * through Redis; each replica applies the same function, so they agree on what a change means.
 */
export type BreakerState = 'closed' | 'half-open' | 'open';

/** What the gauge `circuit_breaker_state` says: the alert fires on 2. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = {
  closed: 0,
  'half-open': 1,
  open: 2,
};

export interface BreakerRecord {
  readonly state: BreakerState;
  /** Epoch milliseconds of the last opening; null while closed. */
  readonly openedAt: number | null;
  readonly reason: string | null;
  /** Open because a readiness source said the dependency is not ready, until it is released. */
  readonly held: boolean;
  /** One more per change: a write that expected an older version lost a race and re-reads. */
  readonly version: number;
}

export const CLOSED_RECORD: BreakerRecord = {
  state: 'closed',
  openedAt: null,
  reason: null,
  held: false,
  version: 0,
};

export interface BreakerPolicy {
  /** Opens when more than this share of the window's calls failed (percent). */
  readonly errorThresholdPercentage: number;
  /** Fewer calls than this in the window never open it: two failures of three are no outage. */
  readonly volumeThreshold: number;
  /** Length of the rolling window of outcomes (ms). */
  readonly windowMs: number;
  /** How long it stays open before a half-open probe (ms). */
  readonly resetTimeoutMs: number;
}

export type BreakerEvent =
  | { readonly kind: 'trip'; readonly at: number; readonly reason: string }
  | { readonly kind: 'hold'; readonly at: number; readonly reason: string }
  | { readonly kind: 'release' }
  | { readonly kind: 'reset-elapsed'; readonly at: number }
  | { readonly kind: 'probe-succeeded' };

/** The record after `event`, or undefined when the event changes nothing. */
export function nextRecord(
  record: BreakerRecord,
  event: BreakerEvent,
  policy: Pick<BreakerPolicy, 'resetTimeoutMs'>,
): BreakerRecord | undefined {
  const version = record.version + 1;
  switch (event.kind) {
    case 'trip':
      // Already open: a late failure of a call made before the trip changes nothing.
      if (record.state === 'open') return undefined;
      return { state: 'open', openedAt: event.at, reason: event.reason, held: false, version };
    case 'hold':
      if (record.held && record.reason === event.reason) return undefined;
      // A hold keeps an existing opening's time: the outage began then, not now.
      return {
        state: 'open',
        openedAt: record.state === 'open' ? record.openedAt : event.at,
        reason: event.reason,
        held: true,
        version,
      };
    case 'release':
      if (!record.held) return undefined;
      return { ...record, state: 'half-open', held: false, version };
    case 'reset-elapsed':
      if (record.state !== 'open' || record.held) return undefined;
      if (event.at < (record.openedAt ?? 0) + policy.resetTimeoutMs) return undefined;
      return { ...record, state: 'half-open', version };
    case 'probe-succeeded':
      if (record.state !== 'half-open') return undefined;
      return { ...CLOSED_RECORD, version };
  }
}

/** Outcomes in the rolling window: calls that counted, and those that failed. */
export interface OutcomeWindow {
  readonly calls: number;
  readonly failures: number;
}

/** Whether a window's outcomes open the breaker (opossum's rule: volume first, then share). */
export function shouldTrip(
  window: OutcomeWindow,
  policy: Pick<BreakerPolicy, 'errorThresholdPercentage' | 'volumeThreshold'>,
): boolean {
  if (window.calls < policy.volumeThreshold || window.calls === 0) return false;
  return (window.failures / window.calls) * 100 > policy.errorThresholdPercentage;
}

/** Why a window tripped the breaker, for logs and the waiting reason. */
export function tripReason(window: OutcomeWindow, policy: BreakerPolicy, scope: string): string {
  return `${window.failures} of ${window.calls} calls failed in ${policy.windowMs / 1000} s (${scope})`;
}

/** A checked policy: a typo in a deployment's thresholds fails at boot. */
export function breakerPolicy(policy: BreakerPolicy): BreakerPolicy {
  const { errorThresholdPercentage: share, volumeThreshold, windowMs, resetTimeoutMs } = policy;
  if (!(share > 0 && share < 100))
    throw new RangeError(`breaker needs 0 < errorThresholdPercentage < 100, got ${share}`);
  if (!(volumeThreshold >= 1 && windowMs >= 100 && resetTimeoutMs >= 100))
    throw new RangeError('breaker needs volumeThreshold >= 1, windowMs and resetTimeoutMs >= 100');
  return Object.freeze({ ...policy });
}
