import type { Logger } from '@order-saga/observability';
import type { Readiness, ReadinessSource, SharedCircuitBreaker } from '@order-saga/resilience';
import type { BackgroundTask, ReadinessCheck } from '@order-saga/service-runtime';

/** What the watcher does with the breaker (ADR 0012): hold it open, release it, show it. */
export type HoldableBreaker = Pick<SharedCircuitBreaker, 'holdOpen' | 'release' | 'snapshot'>;

/**
 * Feeds the provider's readiness, as a readiness source reports it, into the circuit breaker
 * (ADR 0013): unready holds it open before any call fails, ready releases it (half-open: the next
 * call is the probe). Logs each change and shows the last one, with the breaker, in our
 * /health/ready. An unready provider makes the adapter `degraded`, never unready and never
 * not-live: the adapter itself works (its consumer waits, webhooks still land), and pulling every
 * replica out of its Service or restarting it would cure nothing.
 */
export class ProviderReadinessWatcher implements BackgroundTask {
  readonly name = 'provider-readiness';
  private since: Date | undefined;

  constructor(
    /** None with PROVIDER_WATCH=off: the check then shows the breaker alone. */
    private readonly source: ReadinessSource | undefined,
    private readonly breaker: HoldableBreaker,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.source?.start((readiness) => this.changed(readiness));
  }

  stop(): Promise<void> {
    return this.source?.stop() ?? Promise.resolve();
  }

  /**
   * The readiness check: optional, so an unready provider or an open breaker degrades the report
   * (HTTP 200), never fails it; the detail says what the source saw and what the breaker does.
   */
  check(): ReadinessCheck {
    return {
      name: 'payment-provider',
      optional: true,
      check: () => {
        const readiness = this.source?.current();
        const breaker = this.breaker.snapshot();
        if (readiness?.ready === false)
          return Promise.reject(new Error(`not ready: ${readiness.reason}`));
        if (breaker.state === 'open')
          return Promise.reject(
            new Error(
              `breaker open since ${breaker.openedAt?.toISOString() ?? '?'}: ${breaker.reason ?? ''}`,
            ),
          );
        return Promise.resolve();
      },
      detail: () => {
        const readiness = this.source?.current();
        const breaker = this.breaker.snapshot();
        return {
          source: this.source?.kind ?? 'off',
          // null: not known yet (no probe answered, no list received).
          ready: readiness?.ready ?? null,
          reason: readiness?.reason ?? null,
          since: this.since?.toISOString() ?? null,
          breaker: { ...breaker, openedAt: breaker.openedAt?.toISOString() ?? null },
        };
      },
    };
  }

  private changed(readiness: Readiness): void {
    const first = this.since === undefined;
    this.since = new Date();
    const kind = this.source?.kind ?? 'off';
    const fields = { source: kind, ready: readiness.ready, reason: readiness.reason };
    if (readiness.ready) {
      this.logger.info(fields, 'provider.ready');
      // A no-op unless held. Also on the first report: a hold survives in Redis across restarts,
      // and a provider that is ready now must not stay held by a replica that is gone.
      this.breaker.release();
    } else {
      this.logger.warn(fields, first ? 'provider.unready_at_start' : 'provider.unready');
      this.breaker.holdOpen(`provider not ready (${kind}): ${readiness.reason}`);
    }
  }
}
