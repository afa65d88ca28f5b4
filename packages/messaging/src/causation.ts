import type { AnyEnvelope, Causation } from '@order-saga/contracts';
import {
  activeTraceparent,
  activeTracestate,
  childContext,
  formatTraceparent,
  parseTraceparent,
  type TraceContext,
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

/**
 * Metadata for a message no message caused (a sweeper's clock, an operator's retry): no causation
 * id, yet it continues its saga's correlation and trace, as a new span under `parent` (without
 * one, a new trace).
 */
export function causedWithoutMessage(
  source: string,
  correlationId: string,
  parent: TraceContext | undefined,
): Causation {
  return {
    source,
    correlationId,
    causationId: null,
    traceparent: formatTraceparent(childContext(parent)),
  };
}
