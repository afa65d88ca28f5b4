import { attemptsLeft, retryDelay, type RetryPolicy } from './retry-policy';
import { sleep } from './sleep';

export interface RetryOptions {
  /** Stops the loop: the wait ends at once and the last error is thrown. */
  readonly signal?: AbortSignal;
  /** Whether an error is worth another try; any other is thrown at once. Default: every error. */
  readonly retryable?: (error: unknown) => boolean;
  /** Called before each wait (log here): `attempt` is the try that just failed, from 1. */
  readonly onRetry?: (
    error: unknown,
    next: { readonly attempt: number; readonly delayMs: number },
  ) => void;
  readonly random?: () => number;
  /**
   * Bounds the loop's total time (ms): no retry starts later than this after the first try
   * began, so the whole loop takes at most this plus one try. Default: only `attempts` bound it.
   */
  readonly maxElapsedMs?: number;
}

/** Whether a retry after `delayMs` still starts within the loop's time budget. */
export function withinTime(elapsedMs: number, delayMs: number, maxElapsedMs?: number): boolean {
  return maxElapsedMs === undefined || elapsedMs + delayMs <= maxElapsedMs;
}

/**
 * Runs `work` until it succeeds, waiting between tries as `policy` says. Throws the last error
 * when it is not retryable, when the attempts or the time budget run out, or when `signal` aborts.
 */
export async function retry<T>(
  work: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions = {},
): Promise<T> {
  // A function, not a narrowed property: the signal aborts while this loop sleeps.
  const stopped = (): boolean => options.signal?.aborted === true;
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      const retryable = options.retryable?.(error) ?? true;
      if (!retryable || !attemptsLeft(policy, attempt) || stopped()) throw error;
      const delayMs = retryDelay(policy, attempt - 1, options.random);
      if (!withinTime(performance.now() - started, delayMs, options.maxElapsedMs)) throw error;
      options.onRetry?.(error, { attempt, delayMs });
      await sleep(delayMs, options.signal);
      if (stopped()) throw error;
    }
  }
}
