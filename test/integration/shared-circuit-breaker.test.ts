import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger, SagaMetrics } from '@order-saga/observability';
import {
  BreakerOpenError,
  SharedCircuitBreaker,
  breakerPolicy,
  type BreakerChange,
} from '@order-saga/resilience';
import { startTcpProxy, type TcpProxy } from '../../scripts/faults/tcp-proxy.ts';
import { resolveStackEndpoints } from '../../scripts/stack/endpoints.ts';
import { waitFor } from '../../scripts/system/wait.ts';

// Two breakers on the stack's real Redis stand for two replicas of one service: what one learns
// (a trip, a hold, a recovery) the other knows within a notice, and without Redis each goes on alone.
const redisUrl = resolveStackEndpoints(process.env).redis.url;
const logger = createLogger(
  'breaker-it',
  process.env['BREAKER_IT_LOG'] === 'info' ? 'info' : 'warn',
);
const policy = breakerPolicy({
  errorThresholdPercentage: 50,
  volumeThreshold: 4,
  windowMs: 10_000,
  resetTimeoutMs: 800,
});

class Unavailable extends Error {}
const failing = (): Promise<never> => Promise.reject(new Unavailable('503'));
const answering = (): Promise<string> => Promise.resolve('ok');

let started: SharedCircuitBreaker[] = [];
const proxies: TcpProxy[] = [];

async function replica(
  namespace: string,
  url = redisUrl,
): Promise<{ breaker: SharedCircuitBreaker; metrics: SagaMetrics; changes: BreakerChange[] }> {
  const metrics = new SagaMetrics('breaker-it');
  const breaker = new SharedCircuitBreaker({
    name: 'provider',
    policy,
    isFailure: (error) => error instanceof Unavailable,
    redis: { url, namespace },
    logger,
    metrics,
    resyncMs: 200,
  });
  const changes: BreakerChange[] = [];
  breaker.onChange((change) => changes.push(change));
  await breaker.start();
  started.push(breaker);
  return { breaker, metrics, changes };
}

async function fail(breaker: SharedCircuitBreaker, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await breaker.fire(failing).catch(() => undefined);
}

async function gauge(metrics: SagaMetrics, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

afterEach(async () => {
  await Promise.all(started.map((breaker) => breaker.stop()));
  started = [];
});

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.stop()));
});

describe('a circuit breaker shared through Redis', () => {
  it('a trip on one replica stops the calls of the other within a second', async () => {
    const namespace = `it-${randomUUID()}:`;
    const a = await replica(namespace);
    const b = await replica(namespace);
    await fail(a.breaker, 4);
    expect(a.breaker.snapshot().state).toBe('open');
    const tripped = performance.now();
    await waitFor('the other replica to open', () =>
      b.breaker.snapshot().state === 'open' ? true : undefined,
    );
    const gapMs = performance.now() - tripped;
    console.log(`breaker: replica B opened ${gapMs.toFixed(0)} ms after replica A tripped`);
    expect(gapMs).toBeLessThan(1_000);
    expect(b.changes).toMatchObject([{ from: 'closed', to: 'open', origin: 'remote' }]);
    expect(b.breaker.snapshot().openedAt).toEqual(a.breaker.snapshot().openedAt);

    let called = 0;
    await expect(b.breaker.fire(() => Promise.resolve(++called))).rejects.toBeInstanceOf(
      BreakerOpenError,
    );
    expect(called).toBe(0);
    expect(await gauge(b.metrics, 'circuit_breaker_state')).toBe(2);
  });

  it('failures spread over replicas trip it: the failure window is shared', async () => {
    const namespace = `it-${randomUUID()}:`;
    const a = await replica(namespace);
    const b = await replica(namespace);
    // Two failures each: below either replica's own volume threshold (4), above the shared one.
    await fail(a.breaker, 2);
    await fail(b.breaker, 2);
    await waitFor('the shared window to trip the breaker', () =>
      a.breaker.snapshot().state === 'open' && b.breaker.snapshot().state === 'open'
        ? true
        : undefined,
    );
    expect(a.breaker.snapshot().reason).toContain('all replicas');
  });

  it('half-opens after the reset timeout; a successful probe closes it everywhere', async () => {
    const namespace = `it-${randomUUID()}:`;
    const a = await replica(namespace);
    const b = await replica(namespace);
    await fail(a.breaker, 4);
    await waitFor('both to half-open', () =>
      a.breaker.snapshot().state === 'half-open' && b.breaker.snapshot().state === 'half-open'
        ? true
        : undefined,
    );
    await expect(b.breaker.fire(answering)).resolves.toBe('ok');
    await waitFor('both to close', () =>
      a.breaker.snapshot().state === 'closed' ? true : undefined,
    );
    expect(a.changes.map((c) => c.to)).toEqual(['open', 'half-open', 'closed']);
    expect(await gauge(a.metrics, 'circuit_breaker_transitions_total')).toBe(3);
  });

  it('holdOpen opens every replica before any call fails; release lets the next call probe', async () => {
    const namespace = `it-${randomUUID()}:`;
    const a = await replica(namespace);
    const b = await replica(namespace);
    a.breaker.holdOpen('provider has no ready endpoints');
    expect(a.breaker.snapshot()).toMatchObject({ state: 'open', held: true });
    await waitFor('the hold to reach the other replica', () =>
      b.breaker.snapshot().held ? true : undefined,
    );
    expect(b.breaker.snapshot().reason).toBe('provider has no ready endpoints');
    // Longer than the reset timeout: a held breaker never half-opens by itself.
    await new Promise((resolve) => setTimeout(resolve, policy.resetTimeoutMs + 400));
    expect(b.breaker.snapshot().state).toBe('open');

    b.breaker.release();
    expect(b.breaker.snapshot().state).toBe('half-open');
    await waitFor('the release to reach the holder', () =>
      a.breaker.snapshot().state === 'half-open' ? true : undefined,
    );
    await expect(a.breaker.fire(answering)).resolves.toBe('ok');
    expect(a.breaker.snapshot().state).toBe('closed');
  });

  it('without Redis each replica keeps its own breaker, counts the errors, and rejoins after', async () => {
    const { hostname, port } = new URL(redisUrl);
    const proxy = await startTcpProxy(hostname, Number(port));
    proxies.push(proxy);
    const namespace = `it-${randomUUID()}:`;
    const a = await replica(namespace, proxy.route(redisUrl));
    const b = await replica(namespace);
    expect(a.breaker.snapshot().shared).toBe(true);

    await proxy.cut();
    await waitFor('replica A to notice Redis is gone', () =>
      a.breaker.snapshot().shared ? undefined : true,
    );
    // Calls still go through while closed, and a local trip still opens it.
    await expect(a.breaker.fire(answering)).resolves.toBe('ok');
    await fail(a.breaker, 4);
    expect(a.breaker.snapshot().state).toBe('open');
    expect(b.breaker.snapshot().state).toBe('closed');
    const errors = await gauge(a.metrics, 'circuit_breaker_shared_state_errors_total');
    console.log(`breaker: ${errors} shared-state errors counted while Redis was cut`);
    expect(errors).toBeGreaterThan(0);

    await proxy.restore();
    await waitFor('the trip made alone to reach the other replica', () =>
      b.breaker.snapshot().state === 'open' ? true : undefined,
    );
    expect(a.breaker.snapshot().shared).toBe(true);
  });
});
