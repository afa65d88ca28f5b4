// Turns one phase's raw material (the generator's per-request timings, what the observer saw on
// the topics, the samplers' series and the before/after snapshots) into the figures we report.
import { Histogram, type Summary } from './histogram.ts';
import type { ClosedLoopResult, OpenLoopResult } from './load-protocol.ts';
import { bucketQuantile, delta, histogramCount, histogramDelta } from './prometheus.ts';
import type { SagaEvents } from './saga-events.ts';
import { CHOREOGRAPHY_HOPS, ORCHESTRATION_HOPS } from './saga-hops.ts';
import type { Samplers } from './samplers.ts';
import { cpuDelta, type CpuSample, type Snapshot } from './snapshot.ts';

export interface PhaseSpec {
  readonly name: string;
  /** `cold`: the first orders right after every service reported ready, one saga at a time. */
  readonly role: 'cold' | 'warmup' | 'sequential' | 'fixed' | 'step';
  readonly kind: 'open' | 'closed';
  /** Open loop: orders per second and for how long. */
  readonly rate: number;
  readonly durationMs: number;
  /** Closed loop: how many requests, one after another. */
  readonly count: number;
}

export interface Quantiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

export interface HopFigure {
  readonly segment: string;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

export interface PhaseResult {
  readonly spec: PhaseSpec;
  readonly startAt: number;
  readonly loadEnd: number;
  readonly drainedAt: number;
  readonly requests: number;
  readonly created: number;
  /** Shed as the API promises (503, SERVICE.OVERLOADED, Retry-After): not an error, not accepted. */
  readonly shed: number;
  /** Neither created nor shed: timeouts, 5xx, a 503 without its problem code or Retry-After. */
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** POST /orders, from the scheduled send time (open loop) or the send (closed loop). ms. */
  readonly post: Summary;
  /** POST /orders from the moment the request actually left (service time). ms. */
  readonly postService: Summary;
  /** How late the generator sent against its schedule (its own health). ms. */
  readonly sendLag: Summary;
  /** The orders-service's own view: http_request_duration_seconds for POST /orders. ms. */
  readonly postServer: Quantiles;
  readonly sagaFulfilled: Summary;
  /** One saga at a time (closed loop): each fulfilled saga's ms in the order sent; else empty. */
  readonly sagaEach: readonly number[];
  readonly sagaCancelled: Summary;
  /** order_saga_duration_seconds{outcome="fulfilled"} over the phase, from bucket deltas. ms. */
  readonly sagaMetric: Quantiles;
  /** outbox_publish_lag_seconds of all services together, from bucket deltas. ms. */
  readonly outboxLag: Quantiles;
  readonly backlog: ReturnType<Samplers['window']>;
  readonly throughput: {
    readonly offered: number;
    readonly post: number;
    /** Outcomes seen per second between 1 s after the start and the end of the load. */
    readonly sagasInWindow: number;
    /** Sagas completed / time from the first send to the last outcome. */
    readonly sagasOverall: number;
  };
  readonly payments: {
    readonly attempts: number;
    readonly retries: number;
    readonly retryRate: number;
    readonly failures: number;
  };
  readonly cpu: {
    /** CPU ms per completed saga, per process group. */
    readonly msPerSaga: Record<string, number>;
    readonly servicesMsPerSaga: number;
    /** Services, PostgreSQL, Kafka and Redis together. */
    readonly systemMsPerSaga: number;
    /** The same less what the system burns with no load over the phase's wall time. */
    readonly systemMarginalMsPerSaga: number;
    readonly machineMsPerSaga: number;
    /** Busy share of all CPUs during the load, 0..1. */
    readonly machineUtilization: number;
    /** Share of all CPUs taken by processes outside this run (load and drain), 0..1. */
    readonly othersUtilization: number;
  };
  readonly correctness: {
    readonly orders: number;
    readonly completed: number;
    readonly missing: readonly string[];
    readonly doubleOutcomes: number;
    readonly wrongOutcomes: number;
    readonly redeliveries: number;
  };
  readonly deadLetters: number;
  /**
   * PostgreSQL transactions per completed saga, per service database (pg_stat_database; a
   * statement outside a transaction counts as one). Includes the benchmark's 1/s backlog probe.
   */
  readonly transactionsPerSaga: Record<string, number>;
  readonly hops: readonly HopFigure[];
  readonly keepsUp: boolean;
  readonly kneeReasons: readonly string[];
}

export const SERVICES = [
  'orders-service',
  'payments-adapter',
  'fulfillment-service',
  'payment-provider-sim',
] as const;

function quantilesMs(
  before: Snapshot,
  after: Snapshot,
  services: readonly string[],
  name: string,
  match: Record<string, string> = {},
): Quantiles {
  const merged = new Map<number, number>();
  for (const service of services) {
    const b = before.metrics[service];
    const a = after.metrics[service];
    if (b === undefined || a === undefined) continue;
    for (const bucket of histogramDelta(b, a, name, match))
      merged.set(bucket.le, (merged.get(bucket.le) ?? 0) + bucket.count);
  }
  const buckets = [...merged].map(([le, count]) => ({ le, count })).sort((x, y) => x.le - y.le);
  return {
    count: histogramCount(buckets),
    p50: bucketQuantile(buckets, 0.5) * 1_000,
    p90: bucketQuantile(buckets, 0.9) * 1_000,
    p99: bucketQuantile(buckets, 0.99) * 1_000,
  };
}

function counterDelta(
  before: Snapshot,
  after: Snapshot,
  service: string,
  name: string,
  match: Record<string, string> = {},
): number {
  const b = before.metrics[service];
  const a = after.metrics[service];
  return b === undefined || a === undefined ? 0 : delta(b, a, name, match);
}

export interface PhaseInput {
  readonly spec: PhaseSpec;
  readonly mode: 'choreography' | 'orchestration';
  /** The service processes of this run (the orchestrator too in orchestration mode). */
  readonly services: readonly string[];
  readonly load: OpenLoopResult | ClosedLoopResult;
  readonly startAt: number;
  readonly loadEnd: number;
  readonly drainedAt: number;
  readonly events: SagaEvents;
  readonly samplers: Samplers;
  /** CPU cores per process group with no load (undefined until measured). */
  readonly idle: Record<string, number> | undefined;
  readonly before: Snapshot;
  readonly atLoadEnd: CpuSample;
  readonly after: Snapshot;
}

export function analyzePhase(input: PhaseInput): PhaseResult {
  const { spec, load, events, before, after, services } = input;
  const HOPS = input.mode === 'orchestration' ? ORCHESTRATION_HOPS : CHOREOGRAPHY_HOPS;
  const post = new Histogram();
  const postService = new Histogram();
  const sendLag = new Histogram();
  const sagaFulfilled = new Histogram();
  const sagaCancelled = new Histogram();
  const hopHistograms = HOPS.map(() => new Histogram());
  const hopSums = HOPS.map(() => 0);
  let hopCount = 0;
  let requests: number;
  let created = 0;
  let shed = 0;
  const sagaEach: number[] = [];
  const ids: string[] = [];
  let wrongOutcomes = 0;
  let lastOutcome = input.startAt;
  let outcomesInWindow = 0;
  const windowStart = input.startAt + 1_000;

  if (load.kind === 'open-done') {
    requests = load.status.length;
    for (let i = 0; i < requests; i++) {
      const scheduled = load.scheduled[i] ?? Number.NaN;
      const sent = load.sent[i] ?? Number.NaN;
      const done = load.done[i] ?? Number.NaN;
      sendLag.record(sent - scheduled);
      if (load.status[i] !== 201) {
        shed += load.shed[i] ?? 0;
        continue;
      }
      created++;
      post.record(done - scheduled);
      postService.record(done - sent);
      const id = load.orderIds[i] ?? '';
      ids.push(id);
      const outcome = events.outcome(id);
      if (outcome === undefined) continue;
      const expected = load.declined[i] === 1 ? 'OrderCancelled' : 'OrderFulfilled';
      if (outcome.name !== expected) wrongOutcomes++;
      (outcome.name === 'OrderFulfilled' ? sagaFulfilled : sagaCancelled).record(
        outcome.receivedAt - scheduled,
      );
      lastOutcome = Math.max(lastOutcome, outcome.receivedAt);
      if (outcome.receivedAt >= windowStart && outcome.receivedAt <= input.loadEnd)
        outcomesInWindow++;
      const trail = events.orders.get(id);
      if (outcome.name !== 'OrderFulfilled' || trail === undefined) continue;
      const points = HOPS.map(({ from, to }) => {
        const start =
          from[0] === 'scheduled' ? scheduled : trail.first[from[0]]?.[from[1] as 'ceTime'];
        const end = trail.first[to[0]]?.[to[1]];
        return start === undefined || end === undefined ? Number.NaN : end - start;
      });
      if (points.some((p) => Number.isNaN(p))) continue;
      hopCount++;
      points.forEach((value, h) => {
        hopHistograms[h]?.record(Math.max(0, value));
        hopSums[h] = (hopSums[h] ?? 0) + value;
      });
    }
  } else {
    // One saga at a time (phase-runner.ts): each order's saga measured from its send.
    requests = load.latencies.length;
    for (const latency of load.latencies) post.record(latency);
    for (const latency of load.latencies) postService.record(latency);
    load.orderIds.forEach((id, i) => {
      if (id === '') return;
      ids.push(id);
      const outcome = events.outcome(id);
      if (outcome === undefined) return;
      if (outcome.name !== 'OrderFulfilled') wrongOutcomes++;
      else {
        const took = outcome.receivedAt - (load.sent[i] ?? Number.NaN);
        sagaFulfilled.record(took);
        sagaEach.push(took);
      }
      lastOutcome = Math.max(lastOutcome, outcome.receivedAt);
    });
    created = ids.length;
  }

  const missing = ids.filter((id) => events.outcome(id) === undefined);
  const completed = ids.length - missing.length;
  const doubleOutcomes = ids.filter((id) => events.distinctOutcomes(id) > 1).length;
  const redeliveries = ids.reduce((sum, id) => sum + (events.orders.get(id)?.redeliveries ?? 0), 0);

  const attempts = counterDelta(before, after, 'payments-adapter', 'payment_attempts_total', {
    operation: 'authorize',
  });
  const retries = counterDelta(before, after, 'payments-adapter', 'payment_retries_total', {
    operation: 'authorize',
  });
  const failures = counterDelta(before, after, 'payments-adapter', 'payment_failures_total');
  const deadLetters = services.reduce(
    (sum, s) => sum + counterDelta(before, after, s, 'dead_letters_total'),
    0,
  );

  // `others`: whatever else ran on the machine meanwhile (other users' tests): the noise figure.
  const used = cpuDelta(before, after);
  const machineBusy = after.machine.busy - before.machine.busy;
  const wallS = (after.at - before.at) / 1_000;
  const system = [...services, 'postgres', 'kafka', 'redis'];
  const systemUsed = system.reduce((sum, name) => sum + (used[name] ?? 0), 0);
  const idleUsed =
    input.idle === undefined
      ? Number.NaN
      : system.reduce((sum, name) => sum + (input.idle?.[name] ?? 0), 0) * wallS;
  const msPerSaga: Record<string, number> = {};
  for (const [name, seconds] of Object.entries(used))
    msPerSaga[name] = completed > 0 ? (seconds * 1_000) / completed : Number.NaN;
  const servicesMsPerSaga = services.reduce((sum, s) => sum + (msPerSaga[s] ?? 0), 0);
  const machineTotal = after.machine.total - before.machine.total;
  const loadBusy = input.atLoadEnd.machine.busy - before.machine.busy;
  const loadTotal = input.atLoadEnd.machine.total - before.machine.total;

  const durationS = (input.loadEnd - input.startAt) / 1_000;
  const lastDone = load.kind === 'open-done' ? Math.max(...Array.from(load.done)) : input.loadEnd;
  const offered = spec.kind === 'open' ? spec.rate : created / Math.max(durationS, 1e-3);

  const sagaFulfilledSummary = sagaFulfilled.summary();
  const kneeReasons: string[] = [];
  const sagasInWindow =
    load.kind === 'open-done' && durationS > 1 ? outcomesInWindow / (durationS - 1) : Number.NaN;
  if (spec.kind === 'open') {
    if (sagasInWindow < 0.95 * spec.rate)
      kneeReasons.push(
        `sagas completed at ${sagasInWindow.toFixed(0)}/s of ${spec.rate}/s offered`,
      );
    if (sagaFulfilledSummary.p99 > 1_000)
      kneeReasons.push(`saga p99 ${sagaFulfilledSummary.p99.toFixed(0)} ms > 1 s`);
    // A shed POST is the service saying it cannot keep up: counted apart from errors, but it
    // is not work kept up with either, so shedding more than the error allowance is past the knee.
    if (requests - created - shed > 0.005 * requests)
      kneeReasons.push(`${requests - created - shed} of ${requests} POSTs failed`);
    if (shed > 0.005 * requests) kneeReasons.push(`${shed} of ${requests} POSTs shed (503)`);
    if (missing.length > 0) kneeReasons.push(`${missing.length} sagas not finished after drain`);
  }

  return {
    spec,
    startAt: input.startAt,
    loadEnd: input.loadEnd,
    drainedAt: input.drainedAt,
    requests,
    created,
    shed,
    errors: requests - created - shed,
    errorSamples: load.errors,
    post: post.summary(),
    postService: postService.summary(),
    sendLag: sendLag.summary(),
    postServer: quantilesMs(before, after, ['orders-service'], 'http_request_duration_seconds', {
      method: 'POST',
      route: '/orders',
    }),
    sagaFulfilled: sagaFulfilledSummary,
    sagaEach,
    sagaCancelled: sagaCancelled.summary(),
    sagaMetric: quantilesMs(before, after, ['orders-service'], 'order_saga_duration_seconds', {
      outcome: 'fulfilled',
    }),
    outboxLag: quantilesMs(before, after, services, 'outbox_publish_lag_seconds'),
    backlog: input.samplers.window(input.startAt, input.loadEnd + 500),
    throughput: {
      offered,
      post: created / Math.max(1e-3, (lastDone - input.startAt) / 1_000),
      sagasInWindow,
      sagasOverall: completed / Math.max(1e-3, (lastOutcome - input.startAt) / 1_000),
    },
    payments: {
      attempts,
      retries,
      retryRate: attempts > 0 ? retries / attempts : 0,
      failures,
    },
    cpu: {
      msPerSaga,
      servicesMsPerSaga,
      systemMsPerSaga: completed > 0 ? (systemUsed * 1_000) / completed : Number.NaN,
      systemMarginalMsPerSaga:
        completed > 0 ? ((systemUsed - idleUsed) * 1_000) / completed : Number.NaN,
      machineMsPerSaga: completed > 0 ? (machineBusy * 1_000) / completed : Number.NaN,
      machineUtilization: loadTotal > 0 ? loadBusy / loadTotal : Number.NaN,
      othersUtilization: machineTotal > 0 ? (used['others'] ?? 0) / machineTotal : Number.NaN,
    },
    correctness: {
      orders: ids.length,
      completed,
      missing,
      doubleOutcomes,
      wrongOutcomes,
      redeliveries,
    },
    deadLetters,
    transactionsPerSaga: Object.fromEntries(
      Object.entries(after.transactions).map(([service, n]) => [
        service,
        completed > 0 ? (n - (before.transactions[service] ?? 0)) / completed : Number.NaN,
      ]),
    ),
    hops: HOPS.map((hop, h) => ({
      segment: hop.segment,
      p50: hopHistograms[h]?.percentile(50) ?? Number.NaN,
      p99: hopHistograms[h]?.percentile(99) ?? Number.NaN,
      mean: hopCount > 0 ? (hopSums[h] ?? 0) / hopCount : Number.NaN,
    })),
    keepsUp: spec.kind === 'open' && kneeReasons.length === 0,
    kneeReasons,
  };
}
