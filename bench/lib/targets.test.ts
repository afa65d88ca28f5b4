// Unit test (Vitest project unit): issue #13's target verdicts (met, missed, no data) on results
// built by hand, including how shed POSTs count and orchestration's CPU against choreography's.
import assert from 'node:assert/strict';
import { test } from 'vitest';
import type { Summary } from './histogram.ts';
import type { PhaseResult, PhaseSpec } from './phases.ts';
import type { BenchReport } from './report-model.ts';
import { renderMatrix, renderReport } from './report.ts';
import {
  allOf,
  highestKeptUp,
  issue13Targets,
  judge,
  sheddingVerdict,
  type TargetResult,
} from './targets.ts';

const SERVICES = [
  'orders-service',
  'payments-adapter',
  'fulfillment-service',
  'payment-provider-sim',
];

function summary(p50: number, p99 = p50 * 2, count = 100): Summary {
  return { count, min: p50 / 2, mean: p50, p50, p90: p99, p99, p999: p99, max: p99 };
}

interface PhaseShape {
  readonly name: string;
  readonly role: PhaseSpec['role'];
  readonly rate?: number;
  readonly post?: Summary;
  readonly saga?: Summary;
  readonly sagaEach?: number[];
  readonly keepsUp?: boolean;
  readonly requests?: number;
  readonly shed?: number;
  readonly errors?: number;
  readonly missing?: number;
  /** CPU ms per saga of each service, PostgreSQL and Kafka alike. */
  readonly cpuEach?: number;
}

function phase(shape: PhaseShape): PhaseResult {
  const requests = shape.requests ?? 100;
  const shed = shape.shed ?? 0;
  const errors = shape.errors ?? 0;
  const cpuEach = shape.cpuEach ?? 1;
  const msPerSaga: Record<string, number> = { redis: 5 };
  for (const name of [...SERVICES, 'saga-orchestrator', 'postgres', 'kafka'])
    msPerSaga[name] = cpuEach;
  const open = shape.role !== 'cold' && shape.role !== 'sequential';
  return {
    spec: {
      name: shape.name,
      role: shape.role,
      kind: open ? 'open' : 'closed',
      rate: shape.rate ?? 0,
      durationMs: open ? 10_000 : 0,
      count: open ? 0 : requests,
    },
    startAt: 0,
    loadEnd: 10_000,
    drainedAt: 11_000,
    requests,
    created: requests - shed - errors,
    shed,
    errors,
    errorSamples: [],
    post: shape.post ?? summary(2),
    postService: shape.post ?? summary(2),
    sendLag: summary(0.1),
    postServer: { count: requests, p50: 1, p90: 2, p99: 3 },
    sagaFulfilled: shape.saga ?? summary(20),
    sagaEach: shape.sagaEach ?? [],
    sagaCancelled: summary(15),
    sagaMetric: { count: requests, p50: 20, p90: 30, p99: 40 },
    outboxLag: { count: requests, p50: 1, p90: 2, p99: 3 },
    backlog: { lag: {}, outbox: {}, samples: 0 },
    throughput: { offered: shape.rate ?? 0, post: 0, sagasInWindow: 0, sagasOverall: 0 },
    payments: { attempts: requests, retries: 0, retryRate: 0, failures: 0 },
    cpu: {
      msPerSaga,
      servicesMsPerSaga: cpuEach * SERVICES.length,
      systemMsPerSaga: cpuEach * (SERVICES.length + 2) + 5,
      systemMarginalMsPerSaga: Number.NaN,
      machineMsPerSaga: Number.NaN,
      machineUtilization: 0.5,
      othersUtilization: 0.1,
    },
    correctness: {
      orders: requests - shed - errors,
      completed: requests - shed - errors - (shape.missing ?? 0),
      missing: Array.from({ length: shape.missing ?? 0 }, (_, i) => `missing-${i}`),
      doubleOutcomes: 0,
      wrongOutcomes: 0,
      redeliveries: 0,
    },
    deadLetters: 0,
    transactionsPerSaga: {},
    hops: [],
    keepsUp: shape.keepsUp ?? open,
    kneeReasons: [],
  };
}

const floor = (p50: number, p99: number, cpuMs: number) => ({
  latency: summary(p50, p99, 1_000),
  cpuMs,
});

function report(
  phases: PhaseResult[],
  options: { mode?: 'choreography' | 'orchestration'; lost?: number; idle?: number } = {},
): BenchReport {
  const mode = options.mode ?? 'choreography';
  const services = mode === 'orchestration' ? [...SERVICES, 'saga-orchestrator'] : SERVICES;
  return {
    startedAt: '2026-12-01T14:00:00.000Z',
    durationS: 100,
    label: '',
    quick: false,
    machine: {
      cpus: 2,
      cpuModel: 'test',
      memoryGiB: 1,
      kernel: 'test',
      loadAverage: [0, 0, 0],
    },
    versions: {},
    postgresSettings: {},
    config: {
      isolation: 'per-run',
      mode,
      tracing: 'default',
      name: `${mode}, tracing on`,
      services,
      partitions: 6,
      serviceEnv: {},
      mix: { skus: 50, declineEvery: 50 },
      drainTimeoutMs: 60_000,
    },
    // POST floor p50 0.5 ms, p99 2 ms; saga floor p50 2×0.2 + 5×0.3 + 4×1 = 5.9 ms; CPU 2 ms/op.
    floors: {
      noop: floor(0.2, 1, 0.2),
      transaction: floor(0.3, 1, 0.2),
      kafka: floor(1, 3, 0.1),
    },
    startup: {
      readyAfterLaunchMs: Object.fromEntries(services.map((s) => [s, 2_000])),
      allReadyAfterLaunchMs: 2_000,
      firstOrderAfterReadyMs: 100,
    },
    profiles: null,
    idleCores: Object.fromEntries(services.map((s) => [s, options.idle ?? 0.005])),
    phases,
    knee: null,
    stoppedEarly: null,
    final: {
      ok: (options.lost ?? 0) === 0,
      ordersSeen: 1_000,
      ordersInDatabase: 1_000,
      byStatus: {},
      noOutcome: options.lost ?? 0,
      doubleOutcome: 0,
      redeliveredOutcomes: 0,
      wrongOutcomes: 0,
      deadLetters: [],
      deadLetterCount: 0,
      stuck: [],
      unknownTypes: 0,
      logs: {},
    },
    samplerFailures: 0,
    samplerError: null,
  };
}

function verdicts(targets: readonly TargetResult[]): Record<string, string> {
  return Object.fromEntries(targets.map((t) => [t.id, t.verdict]));
}

test('judge: lower or higher is better; NaN is no data', () => {
  assert.equal(judge(5, 5, 'lower'), 'met');
  assert.equal(judge(5.01, 5, 'lower'), 'missed');
  assert.equal(judge(200, 200, 'higher'), 'met');
  assert.equal(judge(199, 200, 'higher'), 'missed');
  assert.equal(judge(Number.NaN, 5, 'lower'), 'no data');
  assert.equal(judge(3, Number.NaN, 'lower'), 'no data');
  assert.equal(allOf(['met', 'met']), 'met');
  assert.equal(allOf(['met', 'no data']), 'no data');
  assert.equal(allOf(['no data', 'missed']), 'missed');
  assert.equal(allOf([]), 'no data');
});

test('a fast, lossless run meets every target it has data for', () => {
  const phases = [
    phase({ name: 'first sagas', role: 'cold', requests: 5, sagaEach: [30, 15, 14, 14, 14] }),
    phase({ name: 'warmup 25/s', role: 'warmup', rate: 25 }),
    phase({ name: 'one at a time', role: 'sequential', post: summary(1, 2), saga: summary(16) }),
    phase({
      name: '100/s',
      role: 'fixed',
      rate: 100,
      post: summary(3, 20),
      saga: summary(25, 140),
    }),
    phase({ name: '200/s', role: 'fixed', rate: 200, cpuEach: 1.2 }),
    phase({ name: 'step 300/s', role: 'step', rate: 300 }),
    phase({
      name: 'step 400/s',
      role: 'step',
      rate: 400,
      keepsUp: false,
      shed: 40,
      requests: 4_000,
    }),
  ];
  const targets = issue13Targets(report(phases));
  assert.deepEqual(verdicts(targets), {
    knee: 'met',
    'knee-stretch': 'met',
    'saga-p50-100': 'met',
    'saga-p99-100': 'met',
    'post-p50-100': 'met',
    'post-p99-100': 'met',
    'post-p50-one': 'met',
    'post-floor-one': 'met',
    'saga-p50-one': 'met',
    'cold-start': 'met',
    'cpu-200': 'met',
    idle: 'met',
    shedding: 'met',
  });
  const byId = Object.fromEntries(targets.map((t) => [t.id, t]));
  assert.equal(byId['knee']?.measured, 300);
  // 2 cores' worth of CPU at the floor: 2 HTTP × 0.2 + 5 tx × 0.2 + 4 hops × 0.1 = 1.8 ms
  assert.ok(Math.abs((byId['knee']?.floor ?? 0) - 2_000 / 1.8) < 1e-9);
  assert.equal(byId['post-floor-one']?.floor, 0.5);
  assert.equal(byId['cold-start']?.measured, 30);
  assert.equal(byId['cold-start']?.floor, 16);
  // Services + PostgreSQL + Kafka, not Redis: 6 × 1.2 ms
  assert.ok(Math.abs((byId['cpu-200']?.measured ?? 0) - 7.2) < 1e-9);
  assert.equal(byId['shedding']?.measured, 1);
});

test('slow figures, a cold first saga, idle cost and a lost order miss', () => {
  const phases = [
    phase({ name: 'first sagas', role: 'cold', requests: 3, sagaEach: [900, 40, 35] }),
    phase({ name: 'warmup 25/s', role: 'warmup', rate: 25 }),
    phase({ name: 'one at a time', role: 'sequential', post: summary(2.6), saga: summary(30) }),
    phase({ name: '50/s', role: 'fixed', rate: 50 }),
    phase({
      name: '100/s',
      role: 'fixed',
      rate: 100,
      keepsUp: false,
      post: summary(40, 300),
      saga: summary(4_000, 9_000),
    }),
    phase({ name: '200/s', role: 'fixed', rate: 200, keepsUp: false, cpuEach: 3, missing: 2 }),
  ];
  const targets = issue13Targets(report(phases, { lost: 2, idle: 0.024 }));
  assert.deepEqual(verdicts(targets), {
    knee: 'missed',
    'knee-stretch': 'missed',
    'saga-p50-100': 'missed',
    'saga-p99-100': 'missed',
    'post-p50-100': 'missed',
    'post-p99-100': 'missed',
    'post-p50-one': 'missed',
    'post-floor-one': 'missed',
    'saga-p50-one': 'missed',
    'cold-start': 'missed',
    'cpu-200': 'missed',
    idle: 'missed',
    shedding: 'missed',
  });
  const byId = Object.fromEntries(targets.map((t) => [t.id, t]));
  assert.equal(byId['knee']?.measured, 50);
  assert.match(byId['shedding']?.note ?? '', /2 accepted orders unfinished/);
  assert.match(byId['shedding']?.note ?? '', /nothing shed/);
});

test('phases that did not run are no data, not met', () => {
  const targets = issue13Targets(
    report([phase({ name: 'warmup 25/s', role: 'warmup', rate: 25 })]),
  );
  const v = verdicts(targets);
  for (const id of [
    'knee',
    'saga-p50-100',
    'post-p99-100',
    'post-p50-one',
    'saga-p50-one',
    'cold-start',
    'cpu-200',
    'shedding',
  ])
    assert.equal(v[id], 'no data', id);
  assert.equal(v['idle'], 'met');
});

test('orchestration CPU is judged against choreography at the same rate', () => {
  const at200 = (cpuEach: number): PhaseResult[] => [
    phase({ name: '200/s', role: 'fixed', rate: 200, cpuEach }),
  ];
  const choreography = report(at200(1));
  const within = issue13Targets(report(at200(1.2), { mode: 'orchestration' }), choreography);
  const over = issue13Targets(report(at200(1.4), { mode: 'orchestration' }), choreography);
  const alone = issue13Targets(report(at200(1.2), { mode: 'orchestration' }));
  const pick = (t: TargetResult[]) => t.find((x) => x.id === 'orchestration-cpu');
  // 7 processes × 1.2 ms against 6 × 1 ms = 1.4×; 7 × 1.4 against 6 = 1.63×
  assert.equal(pick(within)?.verdict, 'met');
  assert.ok(Math.abs((pick(within)?.measured ?? 0) - 1.4) < 1e-9);
  assert.equal(pick(over)?.verdict, 'missed');
  assert.equal(pick(alone)?.verdict, 'no data');
  assert.equal(
    issue13Targets(choreography).find((x) => x.id === 'orchestration-cpu'),
    undefined,
  );
});

test('shedding: a shed POST is no error, a malformed 503 or a late saga is a miss', () => {
  const past = (shape: Partial<PhaseShape>): PhaseResult =>
    phase({
      name: 'step 400/s',
      role: 'step',
      rate: 400,
      keepsUp: false,
      requests: 4_000,
      ...shape,
    });
  assert.equal(sheddingVerdict([past({ shed: 900 })], 300_000).verdict, 'met');
  assert.equal(sheddingVerdict([past({ shed: 900, errors: 1 })], 300_000).verdict, 'missed');
  assert.equal(
    sheddingVerdict([past({ shed: 900, saga: summary(1_000, 400_000) })], 300_000).verdict,
    'missed',
  );
  assert.equal(
    sheddingVerdict([phase({ name: '100/s', role: 'fixed', rate: 100 })], 300_000).verdict,
    'no data',
  );
  assert.equal(highestKeptUp([past({})]), 0);
  assert.ok(Number.isNaN(highestKeptUp([])));
});

test('the report and the matrix render every target with its verdict', () => {
  const phases = [
    phase({ name: 'first sagas', role: 'cold', requests: 5, sagaEach: [30, 15] }),
    phase({ name: 'one at a time', role: 'sequential', post: summary(1, 2), saga: summary(16) }),
    phase({ name: '200/s', role: 'fixed', rate: 200 }),
  ];
  const single = renderReport(report(phases));
  assert.match(
    single,
    /\| first saga after every service is ready ≤ 2 × a warm one \| 30\.0 ms \| warm saga, one at a time, p50: 16\.0 ms \| 1\.9× \| ✅ met \|/,
  );
  assert.match(single, /\| saga p50 ≤ 30 ms at 100\/s \| – \|.*\| – no data \|/);
  const matrix = renderMatrix({
    kind: 'matrix',
    startedAt: '2026-12-01T14:00:00.000Z',
    durationS: 1_200,
    label: '',
    configurations: [report(phases), report(phases, { mode: 'orchestration' })],
  });
  assert.match(matrix, /## Configurations compared/);
  assert.match(
    matrix,
    /\| orchestration CPU per saga ≤ 1\.5 × choreography’s \| – \| 1\.17× ✅ \|/,
  );
  assert.match(matrix, /### Targets \(issue #13\)/);
});
