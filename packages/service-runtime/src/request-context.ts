import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import {
  activeTraceContext,
  activeTracestate,
  childContext,
  formatTraceparent,
  parseTraceparent,
  type TraceContext,
} from '@order-saga/observability';

/** Per-request correlation: who asked (correlation id) and where in the trace we are. */
export interface RequestContext {
  readonly correlationId: string;
  readonly trace: TraceContext;
  readonly traceparent: string;
  readonly tracestate: string | null;
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const contexts = new WeakMap<FastifyRequest, RequestContext>();

export function attachRequestContext(request: FastifyRequest): RequestContext {
  const header = request.headers['x-correlation-id'];
  const supplied = Array.isArray(header) ? header[0] : header;
  // A caller's id is kept when it is safe to log and echo; otherwise a fresh one is issued.
  const correlationId =
    supplied !== undefined && CORRELATION_ID.test(supplied) ? supplied : randomUUID();
  const context: RequestContext = { correlationId, ...traceOf(request) };
  contexts.set(request, context);
  return context;
}

/**
 * The request's server span, made by the HTTP instrumentation (which continued the caller's
 * `traceparent`). Without an SDK, or on an untraced path, the caller's header is continued by
 * hand so the ids still reach the order, its events and the logs.
 */
function traceOf(request: FastifyRequest): Omit<RequestContext, 'correlationId'> {
  const active = activeTraceContext();
  if (active !== undefined)
    return {
      trace: active,
      traceparent: formatTraceparent(active),
      tracestate: activeTracestate() ?? null,
    };
  const parentHeader = request.headers.traceparent;
  const parent = parseTraceparent(Array.isArray(parentHeader) ? parentHeader[0] : parentHeader);
  const trace = childContext(parent);
  const tracestate = request.headers.tracestate;
  return {
    trace,
    traceparent: formatTraceparent(trace),
    tracestate: parent === undefined || typeof tracestate !== 'string' ? null : tracestate,
  };
}

export function requestContext(request: FastifyRequest): RequestContext {
  return contexts.get(request) ?? attachRequestContext(request);
}
