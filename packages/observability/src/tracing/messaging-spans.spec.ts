import { Writable } from 'node:stream';
import { context, propagation, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import {
  spanParentFromHeaders,
  traceMessageCreation,
  traceMessageProcessing,
  traceMessageSend,
} from './messaging-spans';

const exporter = new InMemorySpanExporter();
const tracer = () => trace.getTracer('spec');

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
  );
});
afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const finished = (name: string): ReadableSpan => {
  const span = exporter.getFinishedSpans().find((s) => s.name === name);
  if (span === undefined) throw new Error(`no finished span ${name}`);
  return span;
};
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

function inSpan<T>(name: string, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, async (span) => {
    try {
      return await work(span);
    } finally {
      span.end();
    }
  });
}

const row = () => ({
  topic: 'orders.events',
  key: 'order-1',
  // What the envelope carried before: replaced by the create span's context.
  headers: { ce_id: 'msg-1', ce_type: 'orders.order-created.v1', traceparent: 'stale' } as Record<
    string,
    unknown
  >,
});

describe('message spans through the outbox', () => {
  it('stores the create span, child of the request, in the row headers', async () => {
    const message = row();
    const request = await inSpan('POST /orders', async (span) => {
      await traceMessageCreation([message], () => Promise.resolve());
      return span.spanContext();
    });
    const create = finished('create orders.events');
    expect(parentOf(create)).toBe(request.spanId);
    expect(create.attributes).toMatchObject({
      'messaging.operation.type': 'create',
      'messaging.destination.name': 'orders.events',
      'cloudevents.event_id': 'msg-1',
    });
    expect(message.headers['traceparent']).toBe(
      `00-${request.traceId}-${create.spanContext().spanId}-01`,
    );
  });

  it('continues the envelope trace when created outside any span (a deadline sweeper)', async () => {
    const message = row();
    message.headers['traceparent'] = `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`;
    await traceMessageCreation([message], () => Promise.resolve());
    const create = finished('create orders.events');
    expect(create.spanContext().traceId).toBe('c'.repeat(32));
    expect(parentOf(create)).toBe('d'.repeat(16));
    expect(message.headers['traceparent']).toBe(
      `00-${'c'.repeat(32)}-${create.spanContext().spanId}-01`,
    );
  });

  it('parents the relay send on the stored row, not on the poll loop that publishes it', async () => {
    const message = row();
    await inSpan('POST /orders', () => traceMessageCreation([message], () => Promise.resolve()));
    const stored = { ...message.headers };
    const outgoing = { ...message, headers: { ...stored }, parent: spanParentFromHeaders(stored) };
    // The relay runs in a context of its own; the row's context must win.
    await inSpan('relay poll', () => traceMessageSend([outgoing], () => Promise.resolve()));
    const create = finished('create orders.events');
    const send = finished('send orders.events');
    expect(parentOf(send)).toBe(create.spanContext().spanId);
    expect(send.spanContext().traceId).toBe(create.spanContext().traceId);
    expect(outgoing.headers['traceparent']).toContain(send.spanContext().spanId);
  });

  it('runs the consumer under a process span, child of the send, failing by code only', async () => {
    const headers = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, ce_id: 'm' };
    const lines: string[] = [];
    const logger = createLogger(
      'spec',
      'info',
      {},
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const seen = await traceMessageProcessing(
      { topic: 'payments.events', partition: 2, offset: '41', key: 'o', group: 'g', headers },
      (span) => {
        logger.info('payment.applied');
        span.failed('PAYMENT.DECLINED_FOREVER');
        return Promise.resolve(trace.getActiveSpan()?.spanContext());
      },
    );
    const processed = finished('process payments.events');
    expect(processed.spanContext().traceId).toBe('a'.repeat(32));
    expect(parentOf(processed)).toBe('b'.repeat(16));
    expect(seen?.spanId).toBe(processed.spanContext().spanId);
    expect(processed.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.destination.partition.id': '2',
      'messaging.kafka.offset': 41,
      'messaging.consumer.group.name': 'g',
      'error.type': 'PAYMENT.DECLINED_FOREVER',
    });
    // The log line inside the span carries its ids (the logger's mixin), once.
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ traceId: 'a'.repeat(32), spanId: seen?.spanId });
  });

  it('records a thrown error as its type, never its message', async () => {
    const failure = Object.assign(new Error('card pm_card_visa refused'), { code: 'PROVIDER.X' });
    await expect(traceMessageSend([row()], () => Promise.reject(failure))).rejects.toBe(failure);
    const send = finished('send orders.events');
    expect(send.attributes['error.type']).toBe('PROVIDER.X');
    const recorded = JSON.stringify({ a: send.attributes, e: send.events, s: send.status });
    expect(recorded).not.toContain('pm_card_visa');
  });
});
