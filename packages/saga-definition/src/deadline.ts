import type { DeadlineBounds } from './saga-definition';

export type DeadlineChoice =
  | { readonly ok: true; readonly deadlineMs: number }
  | { readonly ok: false; readonly message: string };

/**
 * The deadline of one saga: the order's own request if it asked for one, the deployment's
 * default otherwise; both must fall within the definition's bounds.
 */
export function chooseDeadline(
  bounds: DeadlineBounds,
  deploymentDefaultMs: number,
  requestedMs?: number,
): DeadlineChoice {
  const ms = requestedMs ?? deploymentDefaultMs;
  if (!Number.isSafeInteger(ms) || ms < bounds.minMs || ms > bounds.maxMs) {
    return {
      ok: false,
      message: `must be between ${bounds.minMs / 1_000} and ${bounds.maxMs / 1_000} seconds`,
    };
  }
  return { ok: true, deadlineMs: ms };
}
