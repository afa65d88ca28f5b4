export interface BackoffPolicy {
  /** Delay before the first retry, in milliseconds. */
  readonly baseMs: number;
  /** Upper bound of any single delay, in milliseconds. */
  readonly maxMs: number;
}

/**
 * Exponential backoff with "full jitter" (AWS Architecture Blog, 2015): a uniform delay in
 * [0, min(max, base * 2^attempt)]. Jitter spreads retries of many clients that failed together.
 * `attempt` counts retries from 0; `random` is injectable for tests.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(random() * ceiling);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
