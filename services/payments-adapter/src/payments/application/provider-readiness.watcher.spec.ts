import { describe, expect, it } from 'vitest';
import { createLogger } from '@order-saga/observability';
import type {
  BreakerSnapshot,
  Readiness,
  ReadinessListener,
  ReadinessSource,
} from '@order-saga/resilience';
import { checkReadiness } from '@order-saga/service-runtime';
import { ProviderReadinessWatcher, type HoldableBreaker } from './provider-readiness.watcher';

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

/** Records what the watcher asks of the breaker; holds and releases as the real one does. */
class RecordingBreaker implements HoldableBreaker {
  readonly asked: string[] = [];
  state: BreakerSnapshot = {
    name: 'payment-provider',
    state: 'closed',
    openedAt: null,
    reason: null,
    held: false,
    shared: true,
  };
  holdOpen(reason: string): void {
    this.asked.push(`hold: ${reason}`);
    this.state = { ...this.state, state: 'open', openedAt: new Date(0), reason, held: true };
  }
  release(): void {
    this.asked.push('release');
    if (this.state.held) this.state = { ...this.state, state: 'half-open', held: false };
  }
  snapshot(): BreakerSnapshot {
    return this.state;
  }
}

const setup = (withSource = true) => {
  const source = new HandDrivenSource();
  const breaker = new RecordingBreaker();
  const watcher = new ProviderReadinessWatcher(
    withSource ? source : undefined,
    breaker,
    createLogger('test', 'silent'),
  );
  watcher.start();
  return { source, breaker, check: watcher.check() };
};

describe('ProviderReadinessWatcher', () => {
  it('holds the breaker open while the provider is unready and releases it when it is back', () => {
    const { source, breaker } = setup();
    source.report({ ready: false, reason: 'HTTP 503 (processor: simulated outage)' });
    source.report({ ready: true, reason: 'HTTP 200' });
    expect(breaker.asked).toEqual([
      'hold: provider not ready (http): HTTP 503 (processor: simulated outage)',
      'release',
    ]);
  });

  it('releases on a first "ready": a hold left in Redis by replicas that are gone must not stay', () => {
    const { source, breaker } = setup();
    breaker.state = { ...breaker.state, state: 'open', held: true, reason: 'from before' };
    source.report({ ready: true, reason: 'HTTP 200' });
    expect(breaker.asked).toEqual(['release']);
    expect(breaker.snapshot().state).toBe('half-open');
  });

  it('says nothing against the adapter before the first state is known', async () => {
    const { check } = setup();
    expect(await checkReadiness([check])).toEqual({
      status: 'ok',
      checks: {
        'payment-provider': {
          status: 'ok',
          detail: {
            source: 'http',
            ready: null,
            reason: null,
            since: null,
            breaker: {
              name: 'payment-provider',
              state: 'closed',
              openedAt: null,
              reason: null,
              held: false,
              shared: true,
            },
          },
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
      detail: {
        source: 'http',
        ready: false,
        reason: 'HTTP 503 (processor: simulated outage)',
        breaker: { state: 'open', held: true, openedAt: '1970-01-01T00:00:00.000Z' },
      },
    });
    expect(report.checks['payment-provider']?.detail?.['since']).toMatch(/^\d{4}-\d\d-\d\dT/);

    source.report({ ready: true, reason: 'HTTP 200' });
    expect(await checkReadiness([check])).toMatchObject({
      status: 'ok',
      checks: { 'payment-provider': { status: 'ok', detail: { ready: true } } },
    });
  });

  it('a breaker tripped by failed calls degrades it too, also without a readiness source', async () => {
    const { breaker, check } = setup(false);
    breaker.state = {
      ...breaker.state,
      state: 'open',
      openedAt: new Date('2026-12-01T11:00:00Z'),
      reason: 'failures: 6 of 10 calls failed',
    };
    expect((await checkReadiness([check])).checks['payment-provider']).toMatchObject({
      status: 'degraded',
      error: 'breaker open since 2026-12-01T11:00:00.000Z: failures: 6 of 10 calls failed',
      detail: { source: 'off', ready: null, breaker: { state: 'open', held: false } },
    });
  });
});
