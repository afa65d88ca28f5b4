import { describe, expect, it } from 'vitest';
import { childContext, formatTraceparent, parseTraceparent } from './trace-context';

const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('W3C traceparent', () => {
  it('parses and formats a valid header', () => {
    const context = parseTraceparent(valid);
    expect(context).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      sampled: true,
    });
    expect(context && formatTraceparent(context)).toBe(valid);
  });

  it.each([
    ['garbage', 'hello'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-b7ad6b7169203331-01`],
    ['an all-zero span id', `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01`],
    ['upper-case hex', valid.toUpperCase()],
  ])('treats %s as absent', (_name, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it('continues the trace with a new span', () => {
    const parent = parseTraceparent(valid);
    const child = childContext(parent);
    expect(child.traceId).toBe(parent?.traceId);
    expect(child.spanId).not.toBe(parent?.spanId);
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('starts a new trace without a parent', () => {
    const root = childContext(undefined);
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.sampled).toBe(true);
  });
});
