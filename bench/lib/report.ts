// The results as a markdown page: targets, each figure next to its floor, the phases side by
// side, where a saga's time goes, and the correctness checks.
import type { Summary } from './histogram.ts';
import type { PhaseResult } from './phases.ts';
import type { MachineInfo } from './proc.ts';
import type { DeadLetter } from './saga-events.ts';

export interface FloorFigure {
  readonly latency: Summary;
  /** CPU milliseconds per operation, client and server processes together. */
  readonly cpuMs: number;
}

export interface Floors {
  readonly transaction: FloorFigure;
  readonly noop: FloorFigure;
  readonly kafka: FloorFigure;
}

export interface FinalChecks {
  readonly ok: boolean;
  readonly ordersSeen: number;
  readonly ordersInDatabase: number;
  readonly byStatus: Record<string, number>;
  readonly noOutcome: number;
  readonly doubleOutcome: number;
  readonly redeliveredOutcomes: number;
  readonly wrongOutcomes: number;
  readonly deadLetters: readonly DeadLetter[];
  readonly deadLetterCount: number;
  readonly stuck: ReadonlyArray<{ id: string; status: string; steps: string }>;
  readonly unknownTypes: number;
  /** Per service: warn/error log lines counted by level and message. */
  readonly logs: Record<string, Record<string, number>>;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly durationS: number;
  readonly label: string;
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly versions: Record<string, string>;
  readonly postgresSettings: Record<string, string>;
  readonly config: {
    readonly isolation: string;
    readonly mode: 'choreography' | 'orchestration';
    readonly services: readonly string[];
    readonly partitions: number;
    readonly serviceEnv: Record<string, Record<string, string> | undefined>;
    readonly mix: { skus: number; declineEvery: number };
    readonly drainTimeoutMs: number;
  };
  readonly floors: Floors;
  /** CPU cores per process group with the system running and no load. */
  readonly idleCores: Record<string, number> | null;
  readonly phases: readonly PhaseResult[];
  readonly knee: string | null;
  readonly stoppedEarly: string | null;
  readonly final: FinalChecks;
  readonly samplerFailures: number;
  readonly samplerError: string | null;
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value >= 100
    ? `${value.toFixed(0)} ms`
    : value >= 10
      ? `${value.toFixed(1)} ms`
      : `${value.toFixed(2)} ms`;
}

function num(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function ratio(value: number, floor: number): string {
  return Number.isFinite(value) && Number.isFinite(floor) && floor > 0
    ? `${(value / floor).toFixed(1)}×`
    : '–';
}

function pct(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(digits)} %` : '–';
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'not measured' : ok ? '✅ met' : '❌ missed';
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * The blocks of a fulfilled saga's critical path (see README). Choreography: the POST and the
 * provider call; the POST's transaction, payments' two, fulfillment's and orders' last one; the
 * hops of OrderCreated, PaymentConfirmed, InventoryReserved and OrderFulfilled. Orchestration
 * adds the orchestrator's two decisions: two more transactions and two more hops (its commands).
 */
export interface SagaPath {
  readonly http: number;
  readonly transactions: number;
  readonly kafkaHops: number;
}

export function sagaPath(mode: string): SagaPath {
  return mode === 'orchestration'
    ? { http: 2, transactions: 7, kafkaHops: 6 }
    : { http: 2, transactions: 5, kafkaHops: 4 };
}

function pathLabel(path: SagaPath): string {
  return `${path.http} HTTP + ${path.transactions} tx + ${path.kafkaHops} Kafka hops`;
}

export function sagaFloor(floors: Floors, path: SagaPath, q: 'p50' | 'p99'): number {
  return (
    path.http * floors.noop.latency[q] +
    path.transactions * floors.transaction.latency[q] +
    path.kafkaHops * floors.kafka.latency[q]
  );
}

/** The same path's CPU: what one saga must at least cost the machine with these building blocks. */
export function sagaCpuFloor(floors: Floors, path: SagaPath): number {
  return (
    path.http * floors.noop.cpuMs +
    path.transactions * floors.transaction.cpuMs +
    path.kafkaHops * floors.kafka.cpuMs
  );
}

export function renderReport(report: BenchReport): string {
  const { floors, phases } = report;
  const phase = (name: string): PhaseResult | undefined => phases.find((p) => p.spec.name === name);
  const at100 = phase('100/s');
  const at200 = phase('200/s');
  const sequential = phase('one at a time');
  const open = phases.filter((p) => p.spec.kind === 'open' && p.spec.role !== 'warmup');
  const keptUp = open.filter((p) => p.keepsUp);
  const sustained = keptUp.length > 0 ? Math.max(...keptUp.map((p) => p.spec.rate)) : Number.NaN;
  const postFloor50 = floors.noop.latency.p50 + floors.transaction.latency.p50;
  const postFloor99 = floors.noop.latency.p99 + floors.transaction.latency.p99;
  const path = sagaPath(report.config.mode);
  const cpuFloor = sagaCpuFloor(floors, path);
  // The busiest completed fixed phase batches best: its CPU per saga is the fairest for a ceiling.
  const ceilingPhase = [at200, at100].find(
    (p) => p !== undefined && p.correctness.missing.length === 0,
  );
  const overallRetries = open.reduce((s, p) => s + p.payments.retries, 0);
  const overallAttempts = open.reduce((s, p) => s + p.payments.attempts, 0);
  const retryRate = overallAttempts > 0 ? overallRetries / overallAttempts : Number.NaN;
  const f = report.final;

  const m = report.machine;
  const v = report.versions;
  const out: string[] = [];
  out.push(
    `# Order saga benchmark, ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC${report.label ? ` — ${report.label}` : ''}${report.quick ? ' (quick)' : ''}`,
  );
  out.push('');
  out.push(
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}; load average at start ${m.loadAverage.join(' ')}. ` +
      `Node ${v['node']}, Kafka ${v['kafka']} (KRaft, one node), PostgreSQL ${v['postgres']} ` +
      `(fsync ${report.postgresSettings['fsync']}, synchronous_commit ${report.postgresSettings['synchronous_commit']}, shared_buffers ${report.postgresSettings['shared_buffers']}), ` +
      `kafkajs ${v['kafkajs']}, pg ${v['pg']}, NestJS ${v['nestjs']} on Fastify ${v['fastify']}, TypeORM ${v['typeorm']}. ` +
      `Code: ${v['revision']}, services built ${v['built']}; ${report.config.mode} mode. Everything (stack, services, load generator, observer) shares the machine. ` +
      `Services isolated per run (own databases, topics, consumer groups), ${report.config.partitions} partitions per topic` +
      `${Object.keys(report.config.serviceEnv).length > 0 ? `, extra env ${JSON.stringify(report.config.serviceEnv)}` : ''}. ` +
      `Orders: one line, SKUs cycled over ${report.config.mix.skus}, 1 in ${report.config.mix.declineEvery} declined (must end CANCELLED). ` +
      `Run took ${report.durationS.toFixed(0)} s.`,
  );
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(
    table(
      ['target', 'measured', 'verdict'],
      [
        [
          'POST /orders p50 ≤ 5 ms at 200/s',
          ms(at200?.post.p50 ?? NaN),
          verdict(at200 && at200.post.p50 <= 5),
        ],
        [
          'POST /orders p99 ≤ 25 ms at 200/s',
          ms(at200?.post.p99 ?? NaN),
          verdict(at200 && at200.post.p99 <= 25),
        ],
        [
          'POST /orders p50 ≤ 3 × (no-op p50 + transaction p50) at 200/s',
          `${ms(at200?.post.p50 ?? NaN)} = ${ratio(at200?.post.p50 ?? NaN, postFloor50)} of ${ms(postFloor50)}`,
          verdict(at200 && at200.post.p50 <= 3 * postFloor50),
        ],
        [
          'saga end to end p50 ≤ 30 ms at 100/s',
          ms(at100?.sagaFulfilled.p50 ?? NaN),
          verdict(at100 && at100.sagaFulfilled.p50 <= 30),
        ],
        [
          'saga end to end p99 ≤ 150 ms at 100/s',
          ms(at100?.sagaFulfilled.p99 ?? NaN),
          verdict(at100 && at100.sagaFulfilled.p99 <= 150),
        ],
        [
          'sustained ≥ 300 orders/s, no lost or duplicated outcome',
          `kept up to ${num(sustained)}/s${report.knee ? `; knee at ${report.knee}` : ''}; lost ${f.noOutcome}, duplicated ${f.doubleOutcome}`,
          verdict(sustained >= 300 && f.noOutcome === 0 && f.doubleOutcome === 0),
        ],
        [
          'payment retry rate ≤ 1 %',
          pct(retryRate, 2),
          verdict(Number.isFinite(retryRate) ? retryRate <= 0.01 : undefined),
        ],
      ],
    ),
  );
  out.push('');
  out.push('## Figures and their floors');
  out.push('');
  const saga50 = sagaFloor(floors, path, 'p50');
  const saga99 = sagaFloor(floors, path, 'p99');
  const rows: string[][] = [
    [
      'POST /orders p50, one request at a time',
      ms(sequential?.post.p50 ?? NaN),
      `no-op + transaction p50 ${ms(postFloor50)}`,
      ratio(sequential?.post.p50 ?? NaN, postFloor50),
    ],
    [
      'POST /orders p50 at 200/s',
      ms(at200?.post.p50 ?? NaN),
      `no-op + transaction p50 ${ms(postFloor50)}`,
      ratio(at200?.post.p50 ?? NaN, postFloor50),
    ],
    [
      'POST /orders p99 at 200/s',
      ms(at200?.post.p99 ?? NaN),
      `no-op + transaction p99 ${ms(postFloor99)}`,
      ratio(at200?.post.p99 ?? NaN, postFloor99),
    ],
    [
      'saga end to end p50 at 100/s (client: POST due → OrderFulfilled seen)',
      ms(at100?.sagaFulfilled.p50 ?? NaN),
      `${pathLabel(path)}, p50s: ${ms(saga50)}`,
      ratio(at100?.sagaFulfilled.p50 ?? NaN, saga50),
    ],
    [
      'saga end to end p99 at 100/s (client)',
      ms(at100?.sagaFulfilled.p99 ?? NaN),
      `same, p99s: ${ms(saga99)}`,
      ratio(at100?.sagaFulfilled.p99 ?? NaN, saga99),
    ],
    [
      'saga p50 at 100/s (order_saga_duration_seconds)',
      ms(at100?.sagaMetric.p50 ?? NaN),
      `same, p50s: ${ms(saga50)}`,
      ratio(at100?.sagaMetric.p50 ?? NaN, saga50),
    ],
    [
      'outbox publish lag p50 at 100/s (outbox_publish_lag_seconds)',
      ms(at100?.outboxLag.p50 ?? NaN),
      `Kafka hop p50 ${ms(floors.kafka.latency.p50)}`,
      ratio(at100?.outboxLag.p50 ?? NaN, floors.kafka.latency.p50),
    ],
    [
      'outbox publish lag p99 at 100/s',
      ms(at100?.outboxLag.p99 ?? NaN),
      `Kafka hop p99 ${ms(floors.kafka.latency.p99)}`,
      ratio(at100?.outboxLag.p99 ?? NaN, floors.kafka.latency.p99),
    ],
    ['sustained throughput (highest rate kept up)', `${num(sustained)} orders/s`, '–', '–'],
    ...[at100, at200]
      .filter((p): p is PhaseResult => p !== undefined)
      .map((p) => [
        `CPU per saga at ${p.spec.name}: services + PostgreSQL + Kafka + Redis`,
        ms(p.cpu.systemMsPerSaga),
        `${pathLabel(path)}, CPU: ${ms(cpuFloor)}`,
        ratio(p.cpu.systemMsPerSaga, cpuFloor),
      ]),
    [
      'throughput ceiling that CPU implies on a dedicated machine of this size',
      `${num(ceilingPhase === undefined ? NaN : (report.machine.cpus * 1_000) / ceilingPhase.cpu.systemMsPerSaga)} sagas/s (CPU of ${ceilingPhase?.spec.name ?? '–'})`,
      `${num((report.machine.cpus * 1_000) / cpuFloor)} sagas/s at the CPU floor`,
      '–',
    ],
    ['payment retry rate, all load phases', pct(retryRate, 2), '–', '–'],
  ];
  out.push(table(['figure', 'value', 'floor', 'ratio'], rows));
  out.push('');
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
            '(c) Kafka hop: KafkaPublisher (idempotent, acks -1) → EventConsumer (maxWait 100 ms)',
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
  if (report.idleCores !== null) {
    const idle = report.idleCores;
    out.push('## Idle cost (system running, no load, after the warm-up)');
    out.push('');
    out.push(
      table(
        ['process', 'share of one core'],
        [
          [...report.config.services, 'postgres', 'kafka', 'redis', 'bench', 'others'].map(
            (name) => [
              name === 'others' ? 'other users of the machine' : name,
              pct(idle[name] ?? NaN),
            ],
          ),
        ].flat(),
      ),
    );
    out.push('');
  }
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
    ['errors (non-201)', (p) => String(p.errors)],
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
  // Below the knee (the busiest rate that kept up) and at 100/s, the target's rate.
  const busiestKeptUp = [...keptUp].sort((a, b) => b.spec.rate - a.spec.rate)[0];
  const hopPhases = [busiestKeptUp, at100]
    .filter((p): p is PhaseResult => p !== undefined)
    .filter((p, i, all) => all.indexOf(p) === i);
  if (hopPhases.length > 0) {
    out.push('## Where a fulfilled saga spends its time (critical path)');
    out.push('');
    out.push(
      'Cut at the timestamps the events carry: ce_time (set when the service builds the ' +
        'event, inside or just before its transaction) and the Kafka record time (set when the ' +
        "relay sends it). Clocks are the same machine's; each cut is ±1 ms (millisecond stamps).",
    );
    out.push('');
    const first = hopPhases[0];
    if (first !== undefined) {
      out.push(
        table(
          ['segment', ...hopPhases.flatMap((p) => [`${p.spec.name} p50`, 'p99', 'mean', 'share'])],
          first.hops.map((hop, i) => [
            hop.segment,
            ...hopPhases.flatMap((p) => {
              const h = p.hops[i];
              const total = p.hops.reduce((s, x) => s + (Number.isFinite(x.mean) ? x.mean : 0), 0);
              return h === undefined
                ? ['–', '–', '–', '–']
                : [ms(h.p50), ms(h.p99), ms(h.mean), pct(h.mean / total, 0)];
            }),
          ]),
        ),
      );
    }
    const backwards = hopPhases.flatMap((p) =>
      p.hops
        .filter((h) => h.mean < 0)
        .map((h) => `${h.segment} (${p.spec.name}, mean ${ms(h.mean)})`),
    );
    if (backwards.length > 0)
      out.push(
        '',
        `⚠ Negative segments: the later event was built before the earlier one was sent, so the ` +
          `saga did not take the path this mode describes: ${backwards.join('; ')}.`,
      );
    out.push('');
  }
  out.push('## Correctness');
  out.push('');
  out.push(
    `- ${f.ok ? '✅' : '❌'} orders seen on the topic: ${f.ordersSeen}; in the orders database: ${f.ordersInDatabase} (${Object.entries(
      f.byStatus,
    )
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')}).`,
  );
  out.push(
    `- without an outcome: ${f.noOutcome}; with two different outcomes: ${f.doubleOutcome}; outcome redeliveries (same ce_id): ${f.redeliveredOutcomes}; outcome other than expected: ${f.wrongOutcomes}.`,
  );
  out.push(
    `- dead letters on *.dlt topics: ${f.deadLetterCount}${f.deadLetters.length > 0 ? ` (${[...new Set(f.deadLetters.map((d) => `${d.topic} ${d.code}`))].join(', ')})` : ''}.`,
  );
  if (f.stuck.length > 0)
    out.push(
      `- unfinished orders (first ${f.stuck.length}): ${f.stuck.map((s) => `${s.id} ${s.status} [${s.steps}]`).join('; ')}.`,
    );
  const logLines = Object.entries(f.logs).flatMap(([service, counts]) =>
    Object.entries(counts).map(([what, n]) => `${service}: ${what} ×${n}`),
  );
  out.push(`- warn/error log lines: ${logLines.length > 0 ? logLines.join('; ') : 'none'}.`);
  if (report.stoppedEarly) out.push(`- ${report.stoppedEarly}.`);
  if (report.samplerFailures > 0)
    out.push(
      `- lag/outbox samples that failed: ${report.samplerFailures} (last error: ${report.samplerError ?? '–'}).`,
    );
  out.push('');
  return `${out.join('\n')}\n`;
}
