import type { Logger } from '@order-saga/observability';
import type { Readiness, ReadinessSource } from '@order-saga/resilience';
import type { BackgroundTask, ReadinessCheck } from '@order-saga/service-runtime';

/**
 * Follows the provider's readiness as a readiness source reports it (ADR 0013): logs each change
 * and shows the last one in our /health/ready. An unready provider makes the adapter `degraded`,
 * never unready and never not-live: the adapter itself works (its consumer waits, webhooks still
 * land), and pulling every replica out of its Service or restarting it would cure nothing.
 */
export class ProviderReadinessWatcher implements BackgroundTask {
  readonly name = 'provider-readiness';
  private since: Date | undefined;

  constructor(
    private readonly source: ReadinessSource,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.source.start((readiness) => this.changed(readiness));
  }

  stop(): Promise<void> {
    return this.source.stop();
  }

  /** The readiness check: optional, so an unready provider degrades the report, never fails it. */
  check(): ReadinessCheck {
    return {
      name: 'payment-provider',
      optional: true,
      check: () => {
        const readiness = this.source.current();
        return readiness === undefined || readiness.ready
          ? Promise.resolve()
          : Promise.reject(new Error(`not ready: ${readiness.reason}`));
      },
      detail: () => {
        const readiness = this.source.current();
        return {
          source: this.source.kind,
          // null: not known yet (no probe answered, no list received).
          ready: readiness?.ready ?? null,
          reason: readiness?.reason ?? null,
          since: this.since?.toISOString() ?? null,
        };
      },
    };
  }

  private changed(readiness: Readiness): void {
    const first = this.since === undefined;
    this.since = new Date();
    const fields = { source: this.source.kind, ready: readiness.ready, reason: readiness.reason };
    if (readiness.ready) this.logger.info(fields, 'provider.ready');
    else this.logger.warn(fields, first ? 'provider.unready_at_start' : 'provider.unready');
  }
}
