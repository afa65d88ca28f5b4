import type { Logger } from '@order-saga/observability';
import { retry, retryPolicy, type RetryPolicy } from '@order-saga/resilience';
import type { BootListener } from './boot-listener';

/**
 * How a booting service retries a dependency that is not there yet (ADR 0015): for as long as the
 * process lives, since a Kubernetes install starts the pods before the operators have made
 * PostgreSQL and Kafka ready, and a crash loop would back off to 5 min between tries. Equal
 * jitter: never a near-immediate retry, yet replicas booting together spread out. The 3 s cap
 * bounds how long a service stays unready after its dependency came up.
 */
export const BOOT_RETRY: RetryPolicy = retryPolicy({
  baseMs: 250,
  capMs: 3_000,
  attempts: Infinity,
  jitter: 'equal',
  whenExhausted: 'fail',
});

export interface WaitForDependencyOptions {
  readonly dependency: string;
  readonly logger: Logger;
  readonly listener: BootListener;
  /** Errors that mean "not there yet"; any other stops the boot (exit 1). Default: every error. */
  readonly retryable?: (error: unknown) => boolean;
  readonly policy?: RetryPolicy;
}

/**
 * Runs `work` until the dependency answers: one log line per failed attempt (the drivers' own
 * retries are kept out of it), the last error in the boot listener's readiness report.
 */
export async function waitForDependency<T>(
  work: () => Promise<T>,
  options: WaitForDependencyOptions,
): Promise<T> {
  const { dependency, logger, listener } = options;
  const started = Date.now();
  let attempts = 0;
  const result = await retry(
    (attempt) => {
      attempts = attempt;
      return work();
    },
    options.policy ?? BOOT_RETRY,
    {
      ...(options.retryable === undefined ? {} : { retryable: options.retryable }),
      onRetry: (error, next) => {
        listener.failed(dependency, next.attempt, error);
        logger.warn(
          {
            dependency,
            attempt: next.attempt,
            retryInMs: next.delayMs,
            error: error instanceof Error ? error.message : String(error),
          },
          'boot.dependency_unavailable',
        );
      },
    },
  );
  listener.reached(dependency);
  if (attempts > 1)
    logger.info(
      { dependency, attempts, waitedMs: Date.now() - started },
      'boot.dependency_reached',
    );
  return result;
}
