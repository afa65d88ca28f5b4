// The report's verdicts: the targets, met or missed, and each headline figure next to the floor
// it is compared with. Both judge the same few phases (100/s, 200/s, the highest rate that kept
// up), picked out once in keyFigures.
import type { PhaseResult } from './phases.ts';
import { ms, num, pct, ratio, table } from './report-format.ts';
import type { BenchReport } from './report-model.ts';
import { highestKeptUp, issue13Targets, type TargetResult, type Verdict } from './targets.ts';
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
    sustained: highestKeptUp(phases),
    postFloor50: floors.noop.latency.p50 + floors.transaction.latency.p50,
    postFloor99: floors.noop.latency.p99 + floors.transaction.latency.p99,
    retryRate: overallAttempts > 0 ? overallRetries / overallAttempts : Number.NaN,
  };
}

/** A target's figure in its unit. */
export function formatFigure(value: number, unit: TargetResult['unit'] | 'ms'): string {
  switch (unit) {
    case 'ms':
      return ms(value);
    case '/s':
      return Number.isFinite(value) ? `${num(value)}/s` : '–';
    case '%':
      return Number.isFinite(value) ? `${value.toFixed(1)} %` : '–';
    case '×':
      return Number.isFinite(value) ? `${value.toFixed(2)}×` : '–';
  }
}

const VERDICT_CELL: Record<Verdict, string> = {
  met: '✅ met',
  missed: '❌ missed',
  'no data': '– no data',
};

export function verdictCell(v: Verdict): string {
  return VERDICT_CELL[v];
}

/**
 * Issue #13's targets: measured, its floor, measured ÷ floor, verdict. `choreography`: the run's
 * choreography configuration with the same tracing (orchestration's CPU target).
 */
export function targetsSection(report: BenchReport, choreography?: BenchReport): string[] {
  const out: string[] = [];
  out.push('## Targets (issue #13)');
  out.push('');
  out.push(
    'A shed POST (503, problem code SERVICE.OVERLOADED, Retry-After) is counted apart from errors; ' +
      'it is not work kept up with either: a rate keeps up only if sagas complete at ≥ 95 % of it ' +
      'during the load, saga p99 < 1 s, failed and shed POSTs each ≤ 0.5 % and every saga finishes in the drain.',
  );
  out.push('');
  out.push(
    table(
      ['target', 'measured', 'floor', 'measured ÷ floor', 'verdict', 'how'],
      issue13Targets(report, choreography).map((t) => [
        t.target,
        formatFigure(t.measured, t.unit),
        t.floorLabel === '–'
          ? '–'
          : `${t.floorLabel}: ${formatFigure(t.floor, t.floorUnit ?? t.unit)}`,
        t.floorUnit === undefined ? ratio(t.measured, t.floor) : '–',
        verdictCell(t.verdict),
        t.note,
      ]),
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
