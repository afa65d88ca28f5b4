import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PATCHED_KAFKAJS_VERSION, patchKafkajsRequestQueue } from './request-queue-patch';

interface Queue {
  readonly pending: unknown[];
  throttledUntil: number;
  readonly throttleCheckTimeoutId: NodeJS.Timeout | null;
  push(request: {
    entry: Record<string, unknown>;
    expectResponse: boolean;
    sendRequest: () => void;
  }): void;
  fulfillRequest(response: { correlationId: number; payload: null; size: number }): void;
  scheduleRequestTimeoutCheck(): void;
  destroy(): void;
}

const load = createRequire(__filename);
const RequestQueue = load('kafkajs/src/network/requestQueue') as new (
  options: Record<string, unknown>,
) => Queue;
const silent = { debug: () => undefined, warn: () => undefined, error: () => undefined };

/** kafkajs's own queue, at most one request in flight. */
function queue(enforceRequestTimeout = false): Queue {
  return new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout,
    clientId: 'spec',
    broker: 'localhost:9092',
    logger: silent,
  });
}

/** A request whose send is recorded; it resolves once the queue is told its response came. */
function request(correlationId: number, sent: number[], rejected: unknown[] = []) {
  return {
    entry: {
      correlationId,
      apiName: 'Fetch',
      apiKey: 1,
      apiVersion: 11,
      resolve: () => undefined,
      reject: (error: unknown) => rejected.push(error),
    },
    expectResponse: true,
    sendRequest: () => sent.push(correlationId),
  };
}

describe('patchKafkajsRequestQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('patches the kafkajs it was written for (upgrading kafkajs: check tulios/kafkajs#1704)', () => {
    const { version } = load('kafkajs/package.json') as { version: string };
    expect(version).toBe(PATCHED_KAFKAJS_VERSION);
    expect(patchKafkajsRequestQueue()).toBe('patched');
  });

  it('arms no timer once nothing waits: an idle connection no longer spins every 1 ms', () => {
    patchKafkajsRequestQueue();
    const q = queue();
    const sent: number[] = [];
    q.push(request(1, sent));
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(sent).toEqual([1]);
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('still sends a request that waited behind the in-flight cap when the first one answers', () => {
    patchKafkajsRequestQueue();
    const q = queue();
    const sent: number[] = [];
    q.push(request(1, sent));
    q.push(request(2, sent));
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(sent).toEqual([1, 2]);
    q.destroy();
  });

  it('still sends a throttled request when the throttle ends, and then stops checking', () => {
    vi.useFakeTimers();
    patchKafkajsRequestQueue();
    const q = queue();
    const sent: number[] = [];
    q.throttledUntil = Date.now() + 200;
    q.push(request(1, sent));
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(199);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([1]);
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('times an unanswered request out within a second after its timeout, checking once a second', () => {
    vi.useFakeTimers();
    patchKafkajsRequestQueue();
    const q = queue(true);
    q.scheduleRequestTimeoutCheck();
    const sent: number[] = [];
    const rejected: unknown[] = [];
    q.push(request(1, sent, rejected));
    vi.advanceTimersByTime(30_000);
    expect(rejected).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(rejected).toHaveLength(1);
    expect(String(rejected[0])).toMatch(/timed out/);
    // One interval per connection, every second: not ten a second.
    expect(vi.getTimerCount()).toBe(1);
    q.destroy();
    expect(vi.getTimerCount()).toBe(0);
  });
});
