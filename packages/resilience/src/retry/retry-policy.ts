/**
 * How a loop spreads its retries. `full` draws uniformly in [0, ceiling] ("full jitter", AWS
 * Architecture Blog, 2015): it spreads best the retries of many clients that failed together.
 * `equal` draws in [ceiling/2, ceiling]: still spread, but never a near-zero wait, for loops whose
 * next try is expensive (reconnecting a consumer group). `none` waits the ceiling itself.
 */
export type Jitter = 'full' | 'equal' | 'none';

/**
 * What the caller does once `attempts` are used up: `dead-letter` parks the message and moves
 * on (a consumer); `fail` hands the last error to the caller. Never reached when attempts is
 * Infinity (a loop that retries for as long as the process lives).
 */
export type WhenExhausted = 'dead-letter' | 'fail';

/** The one retry vocabulary: every retrying loop in the code base is described by one of these. */
export interface RetryPolicy {
  /** Ceiling of the delay before the first retry (ms); it doubles with each further retry. */
  readonly baseMs: number;
  /** Upper bound of any single delay (ms). */
  readonly capMs: number;
  /** Tries in total, the first one included; `Infinity` retries until the caller stops. */
  readonly attempts: number;
  readonly jitter: Jitter;
  readonly whenExhausted: WhenExhausted;
}

/** A policy, checked: a typo in a deployment's retry budget fails at boot, not at 3 a.m. */
export function retryPolicy(policy: RetryPolicy): RetryPolicy {
  if (!(policy.baseMs >= 0 && policy.capMs >= policy.baseMs))
    throw new RangeError(
      `retry policy needs 0 <= baseMs <= capMs, got ${policy.baseMs}, ${policy.capMs}`,
    );
  if (!(policy.attempts >= 1))
    throw new RangeError(`retry policy needs at least 1 attempt, got ${policy.attempts}`);
  return Object.freeze({ ...policy });
}

/**
 * The delay before retry number `retry` (0 = the first retry): exponential with the policy's
 * jitter, capped. `random` is injectable for tests.
 */
export function retryDelay(policy: RetryPolicy, retry: number, random = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry));
  switch (policy.jitter) {
    case 'full':
      return Math.round(random() * ceiling);
    case 'equal':
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
    case 'none':
      return ceiling;
  }
}

/** Whether a caller that has made `attemptsMade` tries may make another. */
export function attemptsLeft(policy: RetryPolicy, attemptsMade: number): boolean {
  return attemptsMade < policy.attempts;
}
