import { createRequire } from 'node:module';

/**
 * Two timers of kafkajs 2.2.4's per-connection request queue, which were most of an idle
 * service's CPU (docs/performance.md, "Idle cost, measured"). Both are replaced here, once per
 * process, keeping what they are for.
 *
 * 1. The queue re-arms a timer after every check of its pending
 * requests, also when nothing is pending and nothing is throttled, with a delay of
 * `throttledUntil - Date.now()` = `-1 - Date.now()`: Node clamps it to 1 ms (and warns,
 * TimeoutNegativeWarning). From its first response on, every connection wakes the event loop
 * about 800 times a second for nothing (tulios/kafkajs#1556, #1704, #1751; fixed in no release).
 * The replacement keeps the method's purpose: a request that waits (throttled, or past
 * the in-flight cap) is checked again when the throttle ends, or after 10 ms; with none waiting
 * and no throttle there is nothing to check, so no timer. A response or a timeout of an
 * in-flight request checks the queue anyway (fulfillRequest, the socket request's timeout).
 *
 * 2. Each connection checks its in-flight requests for a timeout every min(requestTimeout,
 * 100 ms): ten wake-ups a second per connection (5-7 per service) to enforce a 30 s timeout.
 * Checked every second instead, a request times out within 1 s after its timeout, not 0.1 s.
 */
export const PATCHED_KAFKAJS_VERSION = '2.2.4';

/** What the method reads and writes on kafkajs's RequestQueue (src/network/requestQueue). */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  readonly enforceRequestTimeout: boolean;
  readonly requestTimeout: number;
  readonly inflight: Map<
    number,
    { readonly sentAt: number | null; readonly requestTimeout: number; timeoutRequest(): void }
  >;
  requestTimeoutIntervalId: NodeJS.Timeout | undefined;
  isConnected(): boolean;
  destroy(): void;
}

// Its value in kafkajs (CHECK_PENDING_REQUESTS_INTERVAL): the recheck of a waiting request.
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

export function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  let scheduleAt = this.throttledUntil - Date.now();
  if (this.pending.length > 0)
    scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  else if (scheduleAt <= 0) return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, scheduleAt);
}

export const REQUEST_TIMEOUT_CHECK_MS = 1_000;

export function scheduleRequestTimeoutCheck(this: RequestQueueInternals): void {
  if (!this.enforceRequestTimeout) return;
  this.destroy();
  this.requestTimeoutIntervalId = setInterval(
    () => {
      this.inflight.forEach((request) => {
        if (request.sentAt !== null && Date.now() - request.sentAt > request.requestTimeout)
          request.timeoutRequest();
      });
      if (!this.isConnected()) this.destroy();
    },
    Math.min(this.requestTimeout, REQUEST_TIMEOUT_CHECK_MS),
  );
}

let applied: 'patched' | 'skipped' | undefined;

/**
 * Replaces the method on the RequestQueue of the kafkajs this package uses, once per process.
 * Only on the version it was written for: another one gets `skipped` (and the unit test fails,
 * so an upgrade is a reminder to check whether the loop is still there).
 */
export function patchKafkajsRequestQueue(): 'patched' | 'skipped' {
  if (applied !== undefined) return applied;
  const load = createRequire(__filename);
  const { version } = load('kafkajs/package.json') as { version: string };
  const RequestQueue = load('kafkajs/src/network/requestQueue') as
    { prototype?: Partial<RequestQueueInternals> & Record<string, unknown> } | undefined;
  const prototype = RequestQueue?.prototype;
  if (
    version !== PATCHED_KAFKAJS_VERSION ||
    prototype === undefined ||
    typeof prototype['scheduleCheckPendingRequests'] !== 'function' ||
    typeof prototype['scheduleRequestTimeoutCheck'] !== 'function'
  )
    return (applied = 'skipped');
  prototype['scheduleCheckPendingRequests'] = scheduleCheckPendingRequests;
  prototype['scheduleRequestTimeoutCheck'] = scheduleRequestTimeoutCheck;
  return (applied = 'patched');
}
