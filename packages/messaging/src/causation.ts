import type { AnyEnvelope, Causation } from '@order-saga/contracts';
import {
  activeTraceparent,
  activeTracestate,
  childContext,
  formatTraceparent,
  parseTraceparent,
} from '@order-saga/observability';

/**
 * Metadata for a message caused by `cause`: same correlation id, causation id = the cause's id,
 * and the cause's trace, so one order's saga stays one trace across services. Inside the
 * consumer's process span that span is the position; without an SDK a new span id is minted in
 * the cause's trace by hand.
 */
export function causedBy(cause: AnyEnvelope, source: string): Causation {
  return {
    source,
    correlationId: cause.correlationId,
    causationId: cause.id,
    traceparent:
      activeTraceparent() ?? formatTraceparent(childContext(parseTraceparent(cause.traceparent))),
    tracestate: activeTracestate() ?? cause.tracestate,
  };
}
