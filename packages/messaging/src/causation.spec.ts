import { describe, expect, it } from 'vitest';
import { parseTraceparent } from '@order-saga/observability';
import { causedWithoutMessage } from './causation';

describe('causedWithoutMessage', () => {
  const parent = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    sampled: true,
  };

  it('has no causation id and continues the saga: its correlation, a new span in its trace', () => {
    const causation = causedWithoutMessage('orders-service', 'corr-1', parent);
    expect(causation).toMatchObject({
      source: 'orders-service',
      correlationId: 'corr-1',
      causationId: null,
    });
    const context = parseTraceparent(causation.traceparent);
    expect(context?.traceId).toBe(parent.traceId);
    expect(context?.spanId).not.toBe(parent.spanId);
  });

  it('starts a new trace when the saga has none', () => {
    const context = parseTraceparent(causedWithoutMessage('s', 'c', undefined).traceparent);
    expect(context?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(context?.traceId).not.toBe(parent.traceId);
  });
});
