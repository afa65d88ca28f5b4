// The report's verdicts: the targets, met or missed, and each headline figure next to the floor
// it is compared with. Both judge the same few phases (100/s, 200/s, the highest rate that kept
// up), picked out once in keyFigures.
import type { PhaseResult } from './phases.ts';
import { ms, num, pct, ratio, table, verdict } from './report-format.ts';
import type { BenchReport } from './report-model.ts';
import { pathLabel, sagaCpuFloor, sagaFloor, sagaPath } from './saga-path.ts';

export interface KeyFigures {
  readonly at100: PhaseResult | undefined;
  readonly at200: PhaseResult | undefined;
  readonly sequential: PhaseResult | undefined;
  /** The open-loop phases past the warm-up that kept up. */
  readonly keptUp: readonly PhaseResult[];
  /** The highest rate that kept up; NaN if none did. */
  readonly sustained: number;
  /** The POST's floors: a no-op request plus one transaction. */
  readonly postFloor50: number;
  readonly postFloor99: number;
  /** Payment retries per attempt over all judged phases; NaN without attempts. */
  readonly retryRate: number;
}

export function keyFigures(report: BenchReport): KeyFigures {
  const { floors, phases } = report;
  const phase = (name: string): PhaseResult | undefined => phases.find((p) => p.spec.name === name);
  const open = phases.filter((p) => p.spec.kind === 'open' && p.spec.role !== 'warmup');
  const keptUp = open.filter((p) => p.keepsUp);
  const overallRetries = open.reduce((s, p) => s + p.payments.retries, 0);
  const overallAttempts = open.reduce((s, p) => s + p.payments.attempts, 0);
  return {
    at100: phase('100/s'),
    at200: phase('200/s'),
    sequential: phase('one at a time'),
    keptUp,
    sustained: keptUp.length > 0 ? Math.max(...keptUp.map((p) => p.spec.rate)) : Number.NaN,
    postFloor50: floors.noop.latency.p50 + floors.transaction.latency.p50,
    postFloor99: floors.noop.latency.p99 + floors.transaction.latency.p99,
    retryRate: overallAttempts > 0 ? overallRetries / overallAttempts : Number.NaN,
  };
}

export function targetsSection(report: BenchReport, key: KeyFigures): string[] {
  const { at100, at200, sustained, postFloor50, retryRate } = key;
  const f = report.final;
  const out: string[] = [];
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
  return out;
}

export function figuresSection(report: BenchReport, key: KeyFigures): string[] {
  const { floors } = report;
  const { at100, at200, sequential, sustained, postFloor50, postFloor99, retryRate } = key;
  const path = sagaPath(report.config.mode);
  const cpuFloor = sagaCpuFloor(floors, path);
  // The busiest completed fixed phase batches best: its CPU per saga is the fairest for a ceiling.
  const ceilingPhase = [at200, at100].find(
    (p) => p !== undefined && p.correctness.missing.length === 0,
  );
  const out: string[] = [];
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
  return out;
}
