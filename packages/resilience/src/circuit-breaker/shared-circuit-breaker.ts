import CircuitBreaker from 'opossum';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import {
  BREAKER_STATE_VALUE,
  CLOSED_RECORD,
  nextRecord,
  shouldTrip,
  tripReason,
  type BreakerEvent,
  type BreakerPolicy,
  type BreakerRecord,
  type BreakerState,
} from './breaker-state';
import { RedisBreakerStore } from './redis-breaker-store';

export interface BreakerSnapshot {
  readonly name: string;
  readonly state: BreakerState;
  /** When it last opened; null while closed. */
  readonly openedAt: Date | null;
  /** Why it is open or half-open: the failures that tripped it, or the hold's reason. */
  readonly reason: string | null;
  /** Open because of holdOpen(), until release(). */
  readonly held: boolean;
  /** False while Redis is unreachable: this replica's breaker decides alone meanwhile. */
  readonly shared: boolean;
}

export interface BreakerChange {
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** The breaker after the change. */
  readonly snapshot: BreakerSnapshot;
  /** `remote`: another replica made the change and Redis told this one. */
  readonly origin: 'local' | 'remote';
}

/** A call refused without being made: the dependency is known to be down. */
export class BreakerOpenError extends Error {
  override readonly name = 'BreakerOpenError';
  readonly code = 'BREAKER.OPEN';
  constructor(readonly snapshot: BreakerSnapshot) {
    super(
      `circuit breaker ${snapshot.name} is ${snapshot.state}` +
        (snapshot.openedAt === null ? '' : ` since ${snapshot.openedAt.toISOString()}`),
    );
  }
}

export interface SharedCircuitBreakerOptions {
  /** The dependency it guards; the `breaker` label of its metrics (e.g. payment-provider). */
  readonly name: string;
  readonly policy: BreakerPolicy;
  /**
   * Which errors count against the dependency (no answer, 5xx). Any other error (a 4xx: our
   * request was wrong) is an answer: it counts as a success and passes through.
   */
  readonly isFailure: (error: unknown) => boolean;
  /** Shares the breaker with every replica using the same Redis and namespace; omit for a local one. */
  readonly redis?: { readonly url: string; readonly namespace: string };
  readonly logger: Logger;
  readonly metrics: SagaMetrics;
  /** How often the shared record is re-read, in case a notice was missed (ms). */
  readonly resyncMs?: number;
}

type Origin = BreakerChange['origin'];

/**
 * A circuit breaker whose state every replica shares. opossum counts this replica's outcomes in
 * its rolling window and refuses calls while open; on top of it, the record (state, openedAt,
 * reason, hold) and a second rolling window of every replica's outcomes live in Redis, and each
 * change is published, so a trip on one replica stops the calls of all of them within a notice's
 * latency. Half-open lets one probe per replica through: its success closes the breaker, its
 * failure opens it again. When Redis is unreachable each replica goes on with its own breaker
 * (logged, counted in circuit_breaker_shared_state_errors_total) and rejoins when Redis is back.
 */
export class SharedCircuitBreaker {
  private record: BreakerRecord = CLOSED_RECORD;
  private shared = false;
  /** Changes made while Redis was away: pushed to Redis when it is back. */
  private changedWhileAlone = false;
  private pendingWrites = 0;
  private probing = false;
  /** Set while this code drives opossum's state, so its events are not read as a local trip. */
  private syncingLocal = false;
  private readonly local: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private readonly store: RedisBreakerStore | undefined;
  private readonly listeners = new Set<(change: BreakerChange) => void>();
  private resetTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly options: SharedCircuitBreakerOptions) {
    const { name, policy, metrics } = options;
    this.log = options.logger.child({ breaker: name });
    this.local = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      name,
      // Calls carry their own timeout (the client's); opossum must not race it.
      timeout: false,
      errorThresholdPercentage: policy.errorThresholdPercentage,
      volumeThreshold: policy.volumeThreshold,
      rollingCountTimeout: policy.windowMs,
      rollingCountBuckets: 10,
      resetTimeout: policy.resetTimeoutMs,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      errorFilter: (error: unknown) => !options.isFailure(error),
    });
    this.local.on('open', () => {
      if (this.syncingLocal) return;
      const { failures, fires } = this.local.stats;
      this.apply({
        kind: 'trip',
        at: Date.now(),
        reason: tripReason({ calls: fires, failures }, policy, 'this replica'),
      });
    });
    this.store =
      options.redis === undefined
        ? undefined
        : new RedisBreakerStore({
            url: options.redis.url,
            namespace: options.redis.namespace,
            name,
            windowMs: policy.windowMs,
          });
    metrics.circuitBreakerState.set({ breaker: name }, 0);
    for (const to of Object.keys(BREAKER_STATE_VALUE))
      metrics.circuitBreakerTransitions.inc({ breaker: name, to }, 0);
    for (const operation of ['read', 'write', 'record', 'subscribe'])
      metrics.circuitBreakerSharedStateErrors.inc({ breaker: name, operation }, 0);
  }

  /** Connects to Redis and adopts the shared record; never fails for want of Redis. */
  async start(): Promise<void> {
    const { store } = this;
    if (store === undefined) {
      this.log.info('breaker.local_only');
      return;
    }
    // ioredis reports each failed reconnect; the breaker counts its failed operations instead.
    store.onError(() => undefined);
    store.onReady(() => void this.resync());
    if (!(await store.connect())) this.storeFailed('read', new Error('Redis unreachable at start'));
    await store
      .subscribe((record) => this.onNotice(record))
      .catch((error: unknown) => {
        this.storeFailed('subscribe', error);
      });
    await this.resync();
    this.resyncTimer = setInterval(() => void this.resync(), this.options.resyncMs ?? 1_000);
    this.resyncTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.resyncTimer);
    clearTimeout(this.resetTimer);
    this.store?.close();
    this.local.shutdown();
    return Promise.resolve();
  }

  snapshot(): BreakerSnapshot {
    const { state, openedAt, reason, held } = this.record;
    return {
      name: this.options.name,
      state,
      openedAt: openedAt === null ? null : new Date(openedAt),
      reason,
      held,
      shared: this.shared,
    };
  }

  /** Listens to state changes, local or learnt from another replica; returns the unsubscribe. */
  onChange(listener: (change: BreakerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The dependency says it is not ready: open now, before any call fails, and stay open until
   * release(); shared with the other replicas like a trip. A repeat changes nothing.
   */
  holdOpen(reason: string): void {
    this.apply({ kind: 'hold', at: Date.now(), reason });
  }

  /** The dependency is ready again: half-open at once, the next call is the probe. */
  release(): void {
    this.apply({ kind: 'release' });
  }

  /** Runs `call` unless the breaker is open (BreakerOpenError, nothing called). */
  async fire<T>(call: () => Promise<T>): Promise<T> {
    const { state } = this.record;
    if (state === 'open' || (state === 'half-open' && this.probing))
      throw new BreakerOpenError(this.snapshot());
    const probe = state === 'half-open';
    if (probe) this.probing = true;
    try {
      const result = (await this.local.fire(call)) as T;
      this.outcome(false, probe);
      return result;
    } catch (error) {
      if (CircuitBreaker.isOurError(error instanceof Error ? error : new Error(String(error))))
        throw new BreakerOpenError(this.snapshot());
      this.outcome(this.options.isFailure(error), probe);
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  private outcome(failed: boolean, probe: boolean): void {
    if (probe) {
      this.apply(
        failed
          ? { kind: 'trip', at: Date.now(), reason: 'the half-open probe failed' }
          : { kind: 'probe-succeeded' },
      );
      return;
    }
    const { store } = this;
    if (store === undefined || !this.shared) return;
    // Off the call's path: the answer is not held up by Redis.
    store.record(failed, Date.now()).then(
      (window) => {
        if (failed && shouldTrip(window, this.options.policy))
          this.apply({
            kind: 'trip',
            at: Date.now(),
            reason: tripReason(window, this.options.policy, 'all replicas'),
          });
      },
      (error: unknown) => this.storeFailed('record', error),
    );
  }

  private apply(event: BreakerEvent): void {
    const next = nextRecord(this.record, event, this.options.policy);
    if (next === undefined) return;
    const expected = this.record.version;
    this.adopt(next, 'local');
    if (this.store === undefined) return;
    if (!this.shared) {
      this.changedWhileAlone = true;
      return;
    }
    void this.publish(expected, next, event);
  }

  /**
   * Writes `next` over the version this replica last saw. When another replica changed the
   * record first, its record is adopted and `event` applied to it again (a probe's success must
   * not be lost because a notice was late); if it changes nothing there, theirs stands.
   */
  private async publish(
    expected: number,
    next: BreakerRecord,
    event?: BreakerEvent,
  ): Promise<void> {
    const { store } = this;
    if (store === undefined) return;
    this.pendingWrites++;
    try {
      let [version, record] = [expected, next];
      for (let round = 0; round < 3; round++) {
        const result = await store.write(version, record);
        if (result.written) return;
        const current = result.current ?? CLOSED_RECORD;
        this.adopt(current, 'remote');
        const again =
          event === undefined ? undefined : nextRecord(current, event, this.options.policy);
        if (again === undefined) return;
        this.adopt(again, 'local');
        [version, record] = [current.version, again];
      }
    } catch (error) {
      this.storeFailed('write', error);
      this.changedWhileAlone = true;
    } finally {
      this.pendingWrites--;
    }
  }

  /** A change another replica published (this replica's own come back too, and are ignored). */
  private onNotice(record: BreakerRecord): void {
    if (record.version > this.record.version) this.adopt(record, 'remote');
  }

  /** Re-reads the shared record: at start, on reconnect, and every second in case a notice was lost. */
  private async resync(): Promise<void> {
    const { store } = this;
    if (store === undefined || this.pendingWrites > 0) return;
    let remote: BreakerRecord;
    try {
      remote = (await store.read()) ?? CLOSED_RECORD;
    } catch (error) {
      this.storeFailed('read', error);
      return;
    }
    if (!this.shared) {
      this.shared = true;
      this.log.info({ state: this.record.state }, 'breaker.shared_state_restored');
    }
    const alone = this.changedWhileAlone;
    this.changedWhileAlone = false;
    if (remote.version > this.record.version && !(alone && this.record.state !== 'closed')) {
      this.adopt(remote, 'remote');
      return;
    }
    // Redis holds an older record than this replica: a change made while Redis was away (a trip,
    // a hold: news for the others), a write that failed, or a Redis that lost its data. A read
    // that raced this replica's own write lands here too; the compare-and-set then refuses it.
    if (remote.version < this.record.version || (alone && this.record.state !== 'closed')) {
      const mine = { ...this.record, version: remote.version + 1 };
      this.record = mine;
      await this.publish(remote.version, mine);
      return;
    }
    if (remote.state !== this.record.state) this.adopt(remote, 'remote');
  }

  private storeFailed(operation: string, error: unknown): void {
    this.options.metrics.circuitBreakerSharedStateErrors.inc({
      breaker: this.options.name,
      operation,
    });
    if (!this.shared && operation !== 'subscribe') return;
    const wasShared = this.shared;
    this.shared = false;
    if (wasShared || operation === 'subscribe')
      this.log.warn(
        { err: error, operation, state: this.record.state },
        'breaker.shared_state_unavailable',
      );
  }

  /** Makes `record` this replica's state: opossum, timers, metrics, logs and listeners follow. */
  private adopt(record: BreakerRecord, origin: Origin): void {
    const from = this.record.state;
    this.record = record;
    this.syncLocal(record.state);
    this.scheduleReset();
    const { metrics, name } = this.options;
    metrics.circuitBreakerState.set({ breaker: name }, BREAKER_STATE_VALUE[record.state]);
    if (from === record.state) return;
    metrics.circuitBreakerTransitions.inc({ breaker: name, to: record.state });
    const fields = {
      from,
      to: record.state,
      origin,
      reason: record.reason,
      held: record.held,
      openedAt: record.openedAt === null ? null : new Date(record.openedAt).toISOString(),
    };
    if (record.state === 'open') this.log.warn(fields, 'breaker.opened');
    else if (record.state === 'half-open') this.log.info(fields, 'breaker.half_opened');
    else this.log.info(fields, 'breaker.closed');
    const change: BreakerChange = { from, to: record.state, snapshot: this.snapshot(), origin };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.log.error({ err: error }, 'breaker.listener_failed');
      }
    }
  }

  /** opossum refuses calls while open and counts outcomes while closed; half-open is ours. */
  private syncLocal(state: BreakerState): void {
    this.syncingLocal = true;
    try {
      if (state === 'open') this.local.open();
      else this.local.close();
    } finally {
      this.syncingLocal = false;
    }
  }

  private scheduleReset(): void {
    clearTimeout(this.resetTimer);
    const { state, held, openedAt } = this.record;
    if (state !== 'open' || held) return;
    const due = (openedAt ?? Date.now()) + this.options.policy.resetTimeoutMs - Date.now();
    // A timer may fire a millisecond before Date.now() says it is due (libuv's clock is not the
    // wall clock): then nothing changes, and the timer is set again for the rest.
    this.resetTimer = setTimeout(
      () => {
        this.apply({ kind: 'reset-elapsed', at: Date.now() });
        if (this.record.state === 'open') this.scheduleReset();
      },
      Math.max(1, due),
    );
    this.resetTimer.unref();
  }
}
