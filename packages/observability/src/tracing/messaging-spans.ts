import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { ATTR, KAFKA } from './semconv';

/**
 * Message spans for the outbox path, following the OpenTelemetry messaging conventions:
 *
 *   request span ─ create <topic>   (outbox row written; its context is stored in the row)
 *                    └ send <topic>  (relay, any time later; child of the row, not of its poll loop)
 *                        └ process <topic>  (each consumer; what it does and writes is beneath)
 *
 * Written by hand rather than by @opentelemetry/instrumentation-kafkajs (ADR 0011): that one
 * parents every message of a producer batch on whatever context calls send(), and runs an
 * eachBatch handler under one batch span, so each order's trace would break at the relay and at
 * every consumer.
 */

/** An opaque trace position a span can be started under (an OpenTelemetry Context). */
export type SpanParent = Context;

/** Kafka-style headers: values may be strings, Buffers or arrays of them. */
export type MessageHeaders = Readonly<Record<string, unknown>>;

const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

const headerGetter: TextMapGetter<MessageHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const raw = carrier[key];
    const first: unknown = Array.isArray(raw) ? raw[0] : raw;
    if (typeof first === 'string') return first;
    return Buffer.isBuffer(first) ? first.toString('utf8') : undefined;
  },
};

function tracer() {
  return trace.getTracer('@order-saga/observability');
}

/** The trace position stored in (or received with) a message's headers. */
export function spanParentFromHeaders(headers: MessageHeaders): SpanParent {
  return propagation.extract(ROOT_CONTEXT, headers, headerGetter);
}

/**
 * Replaces the trace headers with `span`'s context. Without an SDK the span is invalid and the
 * headers keep what the envelope carried, so ids still flow.
 */
function injectSpan(headers: Record<string, unknown>, span: Span): void {
  if (!isSpanContextValid(span.spanContext())) return;
  for (const name of TRACE_HEADERS) delete headers[name];
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), headers, {
    set: (carrier, key, value) => {
      carrier[key] = value;
    },
  });
}

/** A stable, value-free error classification: a code or a class name, never a message. */
function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    return error.constructor.name;
  }
  return typeof error;
}

function markFailed(span: Span, type: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
  span.setAttribute(ATTR.errorType, type);
}

async function endAfter<T>(spans: readonly Span[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    for (const span of spans) markFailed(span, errorType(error));
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}

function eventAttributes(headers: MessageHeaders): Attributes {
  const value = (name: string) => headerGetter.get(headers, name);
  return {
    [ATTR.messageId]: value('ce_id'),
    [ATTR.eventId]: value('ce_id'),
    [ATTR.eventType]: value('ce_type'),
    [ATTR.eventSource]: value('ce_source'),
    [ATTR.eventSubject]: value('ce_subject'),
  };
}

export interface TracedMessage {
  readonly topic: string;
  readonly key: string;
  /** Mutated: the trace headers are replaced by the new span's context. */
  readonly headers: Record<string, unknown>;
}

/**
 * Outbox writer: one `create <topic>` span per message under the current span (the request or
 * the consumer's process span), its context written into the message's headers before `write`
 * stores them with the row. This stored context is what the relay continues. A message created
 * outside any span (a deadline sweeper: the clock caused it) continues the trace its envelope
 * names, so it still lands in its order's trace.
 */
export function traceMessageCreation<T>(
  messages: readonly TracedMessage[],
  write: () => Promise<T>,
): Promise<T> {
  const current = trace.getSpanContext(context.active());
  const inSpan = current !== undefined && isSpanContextValid(current);
  const spans = messages.map((message) => {
    const parent = inSpan ? context.active() : spanParentFromHeaders(message.headers);
    const span = tracer().startSpan(
      `create ${message.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [ATTR.messagingSystem]: KAFKA,
          [ATTR.operationName]: 'create',
          [ATTR.operationType]: 'create',
          [ATTR.destinationName]: message.topic,
          [ATTR.kafkaMessageKey]: message.key,
          ...eventAttributes(message.headers),
        },
      },
      parent,
    );
    injectSpan(message.headers, span);
    return span;
  });
  return endAfter(spans, write);
}

export interface OutgoingTracedMessage extends TracedMessage {
  /** Where the send span goes: the stored row's context (relay); default the current span. */
  readonly parent?: SpanParent;
}

/**
 * Producer: one `send <topic>` span per message, parented on `message.parent` (so a batch of
 * rows from different orders lands in each order's own trace), injected into the headers that
 * go to Kafka, and ended when `send` is acknowledged or fails.
 */
export function traceMessageSend<T>(
  messages: readonly OutgoingTracedMessage[],
  send: () => Promise<T>,
): Promise<T> {
  const spans = messages.map((message) => {
    const span = tracer().startSpan(
      `send ${message.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [ATTR.messagingSystem]: KAFKA,
          [ATTR.operationName]: 'send',
          [ATTR.operationType]: 'send',
          [ATTR.destinationName]: message.topic,
          [ATTR.kafkaMessageKey]: message.key,
          ...eventAttributes(message.headers),
        },
      },
      message.parent ?? context.active(),
    );
    injectSpan(message.headers, span);
    return span;
  });
  return endAfter(spans, send);
}

export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | undefined;
  readonly group: string;
  readonly headers: MessageHeaders;
}

/** Lets the handler record an outcome that is not an exception (e.g. dead-lettered). */
export interface ProcessSpan {
  failed(errorType: string): void;
  /**
   * Its batch transaction was rolled back (ADR 0016): nothing of this attempt was kept, and the
   * message is processed again on its own, in a span of its own. Not a failure of the message.
   */
  rolledBack(): void;
}

/**
 * Consumer: a `process <topic>` span, child of the context the producer sent (the relay's send
 * span), current while `handle` runs, so the handler's queries, provider calls, logs and outbox
 * rows all belong to the message's trace.
 */
export function traceMessageProcessing<T>(
  message: ConsumedMessage,
  handle: (span: ProcessSpan) => Promise<T>,
): Promise<T> {
  const parent = spanParentFromHeaders(message.headers);
  const span = tracer().startSpan(
    `process ${message.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [ATTR.messagingSystem]: KAFKA,
        [ATTR.operationName]: 'process',
        [ATTR.operationType]: 'process',
        [ATTR.destinationName]: message.topic,
        [ATTR.partitionId]: String(message.partition),
        [ATTR.kafkaOffset]: Number(message.offset),
        [ATTR.kafkaMessageKey]: message.key,
        [ATTR.consumerGroup]: message.group,
        ...eventAttributes(message.headers),
      },
    },
    parent,
  );
  const outcome: ProcessSpan = {
    failed: (type) => markFailed(span, type),
    rolledBack: () => span.addEvent('batch rolled back'),
  };
  return context.with(trace.setSpan(parent, span), () => endAfter([span], () => handle(outcome)));
}

/**
 * An operator acting on a dead letter (show, redrive, purge): an internal `<action> <topic>`
 * span in the message's own trace, linked to the request that asked. The order's trace then shows
 * what was done to its message, the audit lines logged inside carry the order's trace id like
 * every other line of its saga, and a redrive's send span is a child of this one.
 */
export function traceDeadLetterAction<T>(
  action: string,
  message: { readonly topic: string; readonly key: string; readonly headers: MessageHeaders },
  work: () => Promise<T>,
): Promise<T> {
  const parent = spanParentFromHeaders(message.headers);
  const requester = trace.getSpanContext(context.active());
  const span = tracer().startSpan(
    `${action} ${message.topic}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        [ATTR.messagingSystem]: KAFKA,
        [ATTR.destinationName]: message.topic,
        [ATTR.kafkaMessageKey]: message.key,
        ...eventAttributes(message.headers),
      },
      links:
        requester !== undefined && isSpanContextValid(requester) ? [{ context: requester }] : [],
    },
    parent,
  );
  return context.with(trace.setSpan(parent, span), () => endAfter([span], work));
}
