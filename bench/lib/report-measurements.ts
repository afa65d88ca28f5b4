// The report's measurement tables, as measured: the floors, the idle cost, and every phase side
// by side (latency, throughput, backlog, CPU and transactions per saga, errors).
import type { PhaseResult } from './phases.ts';
import { ms, num, pct, table } from './report-format.ts';
import type { BenchReport } from './report-model.ts';

export function floorsSection(report: BenchReport): string[] {
  const { floors } = report;
  const out: string[] = [];
  out.push('## Floors (measured in this run, before the services started)');
  out.push('');
  out.push(
    table(
      ['floor', 'n', 'p50', 'p90', 'p99', 'max', 'CPU per op'],
      (
        [
          [
            '(a) PostgreSQL transaction: BEGIN, 1 order row, 1 outbox row, COMMIT (pg, fsync on)',
            floors.transaction,
          ],
          [
            '(b) no-op POST on NestJS + Fastify (createHttpApp), keep-alive client in another process',
            floors.noop,
          ],
          [
            '(c) Kafka hop: KafkaPublisher (idempotent, acks -1) → EventConsumer (maxWait 500 ms)',
            floors.kafka,
          ],
        ] as const
      ).map(([name, { latency: s, cpuMs }]) => [
        name,
        String(s.count),
        ms(s.p50),
        ms(s.p90),
        ms(s.p99),
        ms(s.max),
        ms(cpuMs),
      ]),
    ),
  );
  out.push('');
  return out;
}

/** Empty when the idle cost was not measured (no warm-up ran). */
export function idleSection(report: BenchReport): string[] {
  const idle = report.idleCores;
  if (idle === null) return [];
  const out: string[] = [];
  out.push('## Idle cost (system running, no load, after the warm-up)');
  out.push('');
  out.push(
    table(
      ['process', 'share of one core'],
      [
        [...report.config.services, 'postgres', 'kafka', 'redis', 'bench', 'others'].map((name) => [
          name === 'others' ? 'other users of the machine' : name,
          pct(idle[name] ?? NaN),
        ]),
      ].flat(),
    ),
  );
  out.push('');
  return out;
}

export function phasesSection(report: BenchReport): string[] {
  const { phases } = report;
  const out: string[] = [];
  out.push('## Phases');
  out.push('');
  out.push(
    'Open loop: requests are sent on a wall-clock schedule and latency counts from the scheduled ' +
      'time, so queueing in front of the service is not hidden (no coordinated omission). ' +
      'Each phase is followed by a drain (every saga of the phase finished; at most 60 s, or until nothing finished for 10 s) before ' +
      'the next one starts; CPU per saga covers the load and the drain.',
  );
  out.push('');
  const shown = phases;
  const lagOf = (p: PhaseResult, name: string): string => {
    const l = p.backlog.lag[name];
    return l === undefined ? '–' : `${num(l.max)} / ${num(l.mean, 1)}`;
  };
  const outboxOf = (p: PhaseResult): string => {
    const values = Object.values(p.backlog.outbox);
    if (values.length === 0) return '–';
    return `${num(Math.max(...values.map((v) => v.max)))}`;
  };
  const databases = [
    ...new Set([
      'orders',
      'payments',
      'fulfillment',
      ...phases.flatMap((p) => Object.keys(p.transactionsPerSaga)),
    ]),
  ];
  const phaseRows: Array<[string, (p: PhaseResult) => string]> = [
    ['offered (orders/s)', (p) => (p.spec.kind === 'open' ? num(p.spec.rate) : 'closed loop')],
    ['orders created / requests', (p) => `${p.created} / ${p.requests}`],
    ['POST p50', (p) => ms(p.post.p50)],
    ['POST p90', (p) => ms(p.post.p90)],
    ['POST p99', (p) => ms(p.post.p99)],
    ['POST max', (p) => ms(p.post.max)],
    [
      'POST p50 / p99, server side (http_request_duration_seconds)',
      (p) => `${ms(p.postServer.p50)} / ${ms(p.postServer.p99)}`,
    ],
    ['load generator late sends p99', (p) => (p.spec.kind === 'open' ? ms(p.sendLag.p99) : '–')],
    ['saga → FULFILLED p50 (client)', (p) => ms(p.sagaFulfilled.p50)],
    ['saga → FULFILLED p90', (p) => ms(p.sagaFulfilled.p90)],
    ['saga → FULFILLED p99', (p) => ms(p.sagaFulfilled.p99)],
    ['saga → FULFILLED max', (p) => ms(p.sagaFulfilled.max)],
    [
      'saga → CANCELLED (declined) p50 / max',
      (p) => `${ms(p.sagaCancelled.p50)} / ${ms(p.sagaCancelled.max)}`,
    ],
    [
      'order_saga_duration_seconds p50 / p99 (buckets)',
      (p) => `${ms(p.sagaMetric.p50)} / ${ms(p.sagaMetric.p99)}`,
    ],
    [
      'outbox_publish_lag_seconds p50 / p99 (buckets)',
      (p) => `${ms(p.outboxLag.p50)} / ${ms(p.outboxLag.p99)}`,
    ],
    ['outbox backlog max (rows)', outboxOf],
    ...report.config.services
      .filter((service) => service !== 'payment-provider-sim')
      .map((service): [string, (p: PhaseResult) => string] => [
        `consumer lag ${service} max / mean`,
        (p) => lagOf(p, service),
      ]),
    ['POSTs answered per s', (p) => num(p.throughput.post, 1)],
    ['sagas completed per s (steady window)', (p) => num(p.throughput.sagasInWindow, 1)],
    ['drain after the load', (p) => ms(p.drainedAt - p.loadEnd)],
    [
      'payment attempts / retries',
      (p) => `${num(p.payments.attempts)} / ${num(p.payments.retries)}`,
    ],
    [
      `CPU ms per saga: ${report.config.services.join(' / ')}`,
      (p) => report.config.services.map((s) => num(p.cpu.msPerSaga[s] ?? NaN, 2)).join(' / '),
    ],
    [
      'CPU ms per saga: PostgreSQL / Kafka / Redis',
      (p) =>
        ['postgres', 'kafka', 'redis'].map((s) => num(p.cpu.msPerSaga[s] ?? NaN, 2)).join(' / '),
    ],
    ['CPU ms per saga: benchmark itself', (p) => num(p.cpu.msPerSaga['bench'] ?? NaN, 2)],
    [
      'CPU ms per saga: services + PostgreSQL + Kafka + Redis',
      (p) => num(p.cpu.systemMsPerSaga, 2),
    ],
    [
      '… less their idle cost (marginal CPU per saga)',
      (p) => num(p.cpu.systemMarginalMsPerSaga, 2),
    ],
    ['CPU ms per saga: whole machine', (p) => num(p.cpu.machineMsPerSaga, 2)],
    ['machine CPU busy during the load', (p) => pct(p.cpu.machineUtilization, 0)],
    ['CPU taken by other processes on the machine (noise)', (p) => pct(p.cpu.othersUtilization, 0)],
    [
      `PostgreSQL transactions per saga: ${databases.join(' / ')}`,
      (p) => databases.map((d) => num(p.transactionsPerSaga[d] ?? NaN, 1)).join(' / '),
    ],
    ['shed: 503 + SERVICE.OVERLOADED + Retry-After', (p) => String(p.shed)],
    ['errors (neither 201 nor shed)', (p) => String(p.errors)],
    ['sagas unfinished after drain', (p) => String(p.correctness.missing.length)],
    ['dead letters', (p) => String(p.deadLetters)],
    [
      'kept up',
      (p) => (p.spec.kind !== 'open' ? '–' : p.keepsUp ? 'yes' : `no: ${p.kneeReasons.join('; ')}`),
    ],
  ];
  out.push(
    table(
      ['', ...shown.map((p) => p.spec.name)],
      phaseRows.map(([label, cell]) => [label, ...shown.map(cell)]),
    ),
  );
  out.push('');
  return out;
}
