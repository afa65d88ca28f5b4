import type { AnyEnvelope, Causation } from '@order-saga/contracts';
import { childContext, formatTraceparent, parseTraceparent } from '@order-saga/observability';

/**
 * Metadata for a message caused by `cause`: same correlation id, causation id = the cause's id,
 * and a new span in the cause's trace, so one order's saga stays one trace across services.
 */
export function causedBy(cause: AnyEnvelope, source: string): Causation {
  return {
    source,
    correlationId: cause.correlationId,
    causationId: cause.id,
    traceparent: formatTraceparent(childContext(parseTraceparent(cause.traceparent))),
    tracestate: cause.tracestate,
  };
}
