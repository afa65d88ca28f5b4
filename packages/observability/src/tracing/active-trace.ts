import { context, isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import { formatTraceparent, type TraceContext } from '../trace-context';

/**
 * Where the current code runs in its trace, according to the OpenTelemetry context: the span the
 * HTTP or Kafka instrumentation made current. Undefined when no SDK is running (a process started
 * without the tracing bootstrap) or outside any span; callers then fall back to the W3C header
 * they received (trace-context.ts), so ids still flow, only nothing is recorded.
 */
export function activeTraceContext(): TraceContext | undefined {
  const span = trace.getSpanContext(context.active());
  if (span === undefined || !isSpanContextValid(span)) return undefined;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    sampled: (span.traceFlags & TraceFlags.SAMPLED) !== 0,
  };
}

/** The `traceparent` of the current span, or undefined (see activeTraceContext). */
export function activeTraceparent(): string | undefined {
  const active = activeTraceContext();
  return active === undefined ? undefined : formatTraceparent(active);
}

/** The `tracestate` of the current span, if it carries one. */
export function activeTracestate(): string | undefined {
  const state = trace.getSpanContext(context.active())?.traceState?.serialize();
  return state === undefined || state === '' ? undefined : state;
}
