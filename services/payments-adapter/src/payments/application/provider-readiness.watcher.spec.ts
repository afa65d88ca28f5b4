import { describe, expect, it } from 'vitest';
import { createLogger } from '@order-saga/observability';
import type { Readiness, ReadinessListener, ReadinessSource } from '@order-saga/resilience';
import { checkReadiness } from '@order-saga/service-runtime';
import { ProviderReadinessWatcher } from './provider-readiness.watcher';

/** A source the test drives by hand. */
class HandDrivenSource implements ReadinessSource {
  readonly kind = 'http';
  private listener: ReadinessListener | undefined;
  private state: Readiness | undefined;
  start(listener: ReadinessListener): void {
    this.listener = listener;
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  current(): Readiness | undefined {
    return this.state;
  }
  report(state: Readiness): void {
    this.state = state;
    this.listener?.(state);
  }
}

describe('ProviderReadinessWatcher', () => {
  const setup = () => {
    const source = new HandDrivenSource();
    const watcher = new ProviderReadinessWatcher(source, createLogger('test', 'silent'));
    watcher.start();
    return { source, check: watcher.check() };
  };

  it('says nothing against the adapter before the first state is known', async () => {
    const { check } = setup();
    expect(await checkReadiness([check])).toEqual({
      status: 'ok',
      checks: {
        'payment-provider': {
          status: 'ok',
          detail: { source: 'http', ready: null, reason: null, since: null },
        },
      },
    });
  });

  it('an unready provider degrades the report (still ready, HTTP 200) and says why', async () => {
    const { source, check } = setup();
    source.report({ ready: false, reason: 'HTTP 503 (processor: simulated outage)' });
    const report = await checkReadiness([check]);
    expect(report.status).toBe('degraded');
    expect(report.checks['payment-provider']).toMatchObject({
      status: 'degraded',
      error: 'not ready: HTTP 503 (processor: simulated outage)',
      detail: { source: 'http', ready: false, reason: 'HTTP 503 (processor: simulated outage)' },
    });
    expect(report.checks['payment-provider']?.detail?.['since']).toMatch(/^\d{4}-\d\d-\d\dT/);

    source.report({ ready: true, reason: 'HTTP 200' });
    expect(await checkReadiness([check])).toMatchObject({
      status: 'ok',
      checks: { 'payment-provider': { status: 'ok', detail: { ready: true } } },
    });
  });
});
