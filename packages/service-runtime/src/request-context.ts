import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import {
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
  const parentHeader = request.headers.traceparent;
  const parent = parseTraceparent(Array.isArray(parentHeader) ? parentHeader[0] : parentHeader);
  const trace = childContext(parent);
  const tracestate = request.headers.tracestate;
  const context: RequestContext = {
    correlationId,
    trace,
    traceparent: formatTraceparent(trace),
    tracestate: parent === undefined || typeof tracestate !== 'string' ? null : tracestate,
  };
  contexts.set(request, context);
  return context;
}

export function requestContext(request: FastifyRequest): RequestContext {
  return contexts.get(request) ?? attachRequestContext(request);
}
