/**
 * Consumer failures are classified once, here. A terminal failure can never succeed on retry
 * (bad schema, violated invariant): the message goes to its dead-letter topic at once. Anything
 * else is treated as transient and retried with backoff, then dead-lettered when attempts run out.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function errorCode(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string')
    return error.code;
  return error instanceof Error ? error.name : 'UNKNOWN';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
