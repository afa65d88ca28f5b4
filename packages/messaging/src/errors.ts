import type { ErrorCode } from '@order-saga/contracts';

/**
 * Consumer failures are classified once, here. A terminal failure can never succeed on retry
 * (bad schema, violated invariant): the message goes to its dead-letter topic at once. Anything
 * else is treated as transient and retried with backoff, then dead-lettered when attempts run out.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A dependency the handler cannot work without is down (the payment provider, say). The message
 * is fine and so is the handler: it is retried with capped backoff for as long as the outage
 * lasts, never dead-lettered for it. Its partition waits, which is the honest state: every
 * message there would need the same dependency.
 */
export class DependencyUnavailableError extends Error {
  override readonly name: string = 'DependencyUnavailableError';
}

/**
 * The service itself is at capacity right now (every pooled database connection stayed busy
 * while the database kept answering): the message is fine and so is every dependency. It is
 * retried with backoff without spending attempts (a message must not be dead-lettered because
 * its consumer was busy), and it is not an outage: nothing reports a dependency as down for it.
 */
export class ServiceBusyError extends Error {
  override readonly name: string = 'ServiceBusyError';
}

export function errorCode(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string')
    return error.code;
  return error instanceof Error ? error.name : 'UNKNOWN';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
