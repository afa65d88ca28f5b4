// Issue #13's targets, judged on one configuration's results: each with the figure measured, the
// floor it is compared with and a verdict (met, missed, or no data when the phase it is stated
// at did not run). The rendering is in report-verdicts.ts; this module only decides.
import { ORDER_SAGA } from '../../packages/saga-definition/src/order-saga.definition.ts';
import type { PhaseResult } from './phases.ts';
import type { BenchReport } from './report-model.ts';
import { sagaCpuFloor, sagaFloor, sagaPath } from './saga-path.ts';

export type Verdict = 'met' | 'missed' | 'no data';

export interface TargetResult {
  readonly id: string;
  /** The target as issue #13 states it. */
  readonly target: string;
  readonly measured: number;
  readonly unit: 'ms' | '/s' | '%' | '×';
  /** More about the measurement (which phase, which service, what was counted). */
  readonly note: string;
  /** What the figure is compared with, and its value in the same unit (NaN: none). */
  readonly floorLabel: string;
  readonly floor: number;
  /** The floor's unit when it is not the figure's (a ratio compared with milliseconds). */
  readonly floorUnit?: 'ms';
  readonly verdict: Verdict;
}

/** A target stated as an upper limit on its measured figure. */
function atMost(stated: Omit<TargetResult, 'verdict'>, limit: number): TargetResult {
  return { ...stated, verdict: judge(stated.measured, limit, 'lower') };
}

/** `measured` against `limit`; NaN (not measured) is no data. */
export function judge(measured: number, limit: number, better: 'lower' | 'higher'): Verdict {
  if (!Number.isFinite(measured) || !Number.isFinite(limit)) return 'no data';
  return (better === 'lower' ? measured <= limit : measured >= limit) ? 'met' : 'missed';
}

/** Every condition must be met; any miss is a miss; otherwise no data if any had none. */
export function allOf(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('missed')) return 'missed';
  return verdicts.includes('no data') || verdicts.length === 0 ? 'no data' : 'met';
}

/** The rate-controlled phases the knee is judged on (past the warm-up). */
export function judgedPhases(phases: readonly PhaseResult[]): PhaseResult[] {
  return phases.filter((p) => p.spec.kind === 'open' && p.spec.role !== 'warmup');
}

/** Highest rate that kept up; 0 if rates ran and none did; NaN if none ran. */
export function highestKeptUp(phases: readonly PhaseResult[]): number {
  const open = judgedPhases(phases);
  if (open.length === 0) return Number.NaN;
  return Math.max(0, ...open.filter((p) => p.keepsUp).map((p) => p.spec.rate));
}

/** CPU ms per saga of the services, PostgreSQL and the broker (the target's set; no Redis). */
export function targetCpuPerSaga(
  phase: PhaseResult | undefined,
  services: readonly string[],
): number {
  if (phase === undefined) return Number.NaN;
  return [...services, 'postgres', 'kafka'].reduce(
    (sum, name) => sum + (phase.cpu.msPerSaga[name] ?? Number.NaN),
    0,
  );
}

const byName = (report: BenchReport, name: string): PhaseResult | undefined =>
  report.phases.find((p) => p.spec.name === name);
const byRole = (report: BenchReport, role: PhaseResult['spec']['role']): PhaseResult | undefined =>
  report.phases.find((p) => p.spec.role === role);

/** The saga deadline the orders-service ran with (its SAGA_DEADLINE_MS, else the default). */
export function sagaDeadlineMs(report: BenchReport): number {
  const set = report.config.serviceEnv['orders-service']?.['SAGA_DEADLINE_MS'];
  return set === undefined ? ORDER_SAGA.deadline.defaultMs : Number(set);
}

/**
 * Past the knee (rates that did not keep up): shedding instead of an unbounded backlog, and the
 * accepted orders all complete. Met when, in every such phase, every accepted order reached its
 * outcome in the drain and within the saga deadline, and every POST was either accepted or shed
 * as promised (503 + SERVICE.OVERLOADED + Retry-After); no data when no rate was past the knee.
 */
export function sheddingVerdict(
  phases: readonly PhaseResult[],
  deadlineMs: number,
): { verdict: Verdict; shed: number; requests: number; note: string } {
  const past = judgedPhases(phases).filter((p) => !p.keepsUp);
  const shed = past.reduce((sum, p) => sum + p.shed, 0);
  const requests = past.reduce((sum, p) => sum + p.requests, 0);
  if (past.length === 0)
    return { verdict: 'no data', shed, requests, note: 'no rate was past the knee' };
  const unfinished = past.reduce((sum, p) => sum + p.correctness.missing.length, 0);
  const errors = past.reduce((sum, p) => sum + p.errors, 0);
  const slowest = Math.max(...past.map((p) => Math.max(p.sagaFulfilled.max, p.sagaCancelled.max)));
  const ok = unfinished === 0 && errors === 0 && !(slowest > deadlineMs);
  const parts = [
    `${past.map((p) => p.spec.name).join(', ')}: shed ${shed} of ${requests} POSTs`,
    `${errors} other failures`,
    `${unfinished} accepted orders unfinished`,
    `slowest accepted saga ${(slowest / 1_000).toFixed(1)} s (deadline ${(deadlineMs / 1_000).toFixed(0)} s)`,
  ];
  if (shed === 0) parts.push('nothing shed: the backlog stayed under ORDERS_MAX_IN_FLIGHT');
  return { verdict: ok ? 'met' : 'missed', shed, requests, note: parts.join('; ') };
}

/**
 * The targets of issue #13 on one configuration. `choreography` is the same run's choreography
 * configuration with the same tracing, for orchestration's CPU target (omitted otherwise).
 */
export function issue13Targets(report: BenchReport, choreography?: BenchReport): TargetResult[] {
  const { floors } = report;
  const path = sagaPath(report.config.mode);
  const saga50 = sagaFloor(floors, path, 'p50');
  const saga99 = sagaFloor(floors, path, 'p99');
  const cpuFloor = sagaCpuFloor(floors, path);
  const postFloor50 = floors.noop.latency.p50 + floors.transaction.latency.p50;
  const postFloor99 = floors.noop.latency.p99 + floors.transaction.latency.p99;
  const at100 = byName(report, '100/s');
  const at200 = byName(report, '200/s');
  const sequential = byRole(report, 'sequential');
  const cold = byRole(report, 'cold');
  const lost = report.final.noOutcome + report.final.doubleOutcome;
  const knee = highestKeptUp(report.phases);
  const ceiling = (report.machine.cpus * 1_000) / cpuFloor;
  const kneeNote = `lost ${report.final.noOutcome}, duplicated ${report.final.doubleOutcome}${report.knee === null ? '' : `; first rate missed: ${report.knee}`}`;
  const lostVerdict: Verdict = lost === 0 ? 'met' : 'missed';
  const warm = sequential?.sagaFulfilled.p50 ?? Number.NaN;
  const first = cold?.sagaEach[0] ?? Number.NaN;
  const services = report.config.services;
  const idle = report.idleCores;
  const idleWorst = services
    .map((name) => ({ name, cores: idle?.[name] ?? Number.NaN }))
    .sort((a, b) => b.cores - a.cores)[0];
  const idleVerdicts = services.map((name) => judge((idle?.[name] ?? NaN) * 100, 1, 'lower'));
  const cpu200 = targetCpuPerSaga(at200, services);
  const shedding = sheddingVerdict(report.phases, sagaDeadlineMs(report));

  const results: TargetResult[] = [
    {
      id: 'knee',
      target: 'knee (saga p99 < 1 s, nothing lost) ≥ 200 orders/s, 0 lost',
      measured: knee,
      unit: '/s',
      note: kneeNote,
      floorLabel: 'rate the CPU floor allows on this machine',
      floor: ceiling,
      verdict: allOf([judge(knee, 200, 'higher'), lostVerdict]),
    },
    {
      id: 'knee-stretch',
      target: 'stretch: knee ≥ 300 orders/s, 0 lost',
      measured: knee,
      unit: '/s',
      note: kneeNote,
      floorLabel: 'rate the CPU floor allows on this machine',
      floor: ceiling,
      verdict: allOf([judge(knee, 300, 'higher'), lostVerdict]),
    },
    atMost(
      {
        id: 'saga-p50-100',
        target: 'saga p50 ≤ 30 ms at 100/s',
        measured: at100?.sagaFulfilled.p50 ?? NaN,
        unit: 'ms',
        note: 'POST due → OrderFulfilled seen by a client',
        floorLabel: 'critical path of floors, p50s',
        floor: saga50,
      },
      30,
    ),
    atMost(
      {
        id: 'saga-p99-100',
        target: 'saga p99 ≤ 150 ms at 100/s',
        measured: at100?.sagaFulfilled.p99 ?? NaN,
        unit: 'ms',
        note: 'POST due → OrderFulfilled seen by a client',
        floorLabel: 'critical path of floors, p99s',
        floor: saga99,
      },
      150,
    ),
    atMost(
      {
        id: 'post-p50-100',
        target: 'POST /orders p50 ≤ 5 ms at 100/s',
        measured: at100?.post.p50 ?? NaN,
        unit: 'ms',
        note: 'from the scheduled send (open loop), 201s only',
        floorLabel: 'no-op POST + transaction, p50s',
        floor: postFloor50,
      },
      5,
    ),
    atMost(
      {
        id: 'post-p99-100',
        target: 'POST /orders p99 ≤ 25 ms at 100/s',
        measured: at100?.post.p99 ?? NaN,
        unit: 'ms',
        note: 'from the scheduled send (open loop), 201s only',
        floorLabel: 'no-op POST + transaction, p99s',
        floor: postFloor99,
      },
      25,
    ),
    atMost(
      {
        id: 'post-p50-one',
        target: 'one at a time: POST /orders p50 ≤ 2.5 ms',
        measured: sequential?.post.p50 ?? NaN,
        unit: 'ms',
        note: 'each order sent after the previous saga ended',
        floorLabel: 'no-op POST + transaction, p50s',
        floor: postFloor50,
      },
      2.5,
    ),
    atMost(
      {
        id: 'post-floor-one',
        target: 'one at a time: POST /orders p50 ≤ 2 × its floor',
        measured: sequential?.post.p50 ?? NaN,
        unit: 'ms',
        note: `limit 2 × ${postFloor50.toFixed(2)} ms`,
        floorLabel: 'no-op POST + transaction, p50s',
        floor: postFloor50,
      },
      2 * postFloor50,
    ),
    atMost(
      {
        id: 'saga-p50-one',
        target: 'one at a time: saga p50 ≤ 20 ms',
        measured: warm,
        unit: 'ms',
        note: `${sequential?.sagaFulfilled.count ?? 0} sagas, each alone`,
        floorLabel: 'critical path of floors, p50s',
        floor: saga50,
      },
      20,
    ),
    atMost(
      {
        id: 'cold-start',
        target: 'first saga after every service is ready ≤ 2 × a warm one',
        measured: first,
        unit: 'ms',
        note: `first ${cold?.sagaEach.length ?? 0} sagas: ${cold?.sagaEach.map((v) => v.toFixed(0)).join(', ') ?? '–'} ms; limit 2 × ${warm.toFixed(1)} ms`,
        floorLabel: 'warm saga, one at a time, p50',
        floor: warm,
      },
      2 * warm,
    ),
    atMost(
      {
        id: 'cpu-200',
        target: 'CPU per saga ≤ 8 ms at 200/s (services + PostgreSQL + broker)',
        measured: cpu200,
        unit: 'ms',
        note: 'load and drain of the 200/s phase, over the sagas it completed',
        floorLabel: 'critical path of floors, CPU',
        floor: cpuFloor,
      },
      8,
    ),
    {
      id: 'idle',
      target: 'idle CPU ≤ 1 % of a core per service',
      measured: (idleWorst?.cores ?? NaN) * 100,
      unit: '%',
      note:
        idle === null
          ? 'not measured'
          : `worst ${idleWorst?.name ?? '–'}; ${services.map((s) => `${s} ${((idle[s] ?? NaN) * 100).toFixed(1)}`).join(', ')}`,
      floorLabel: '–',
      floor: Number.NaN,
      verdict: idle === null ? 'no data' : allOf(idleVerdicts),
    },
  ];
  if (report.config.mode === 'orchestration') {
    const ours = orchestrationCpu(report, choreography);
    results.push({
      id: 'orchestration-cpu',
      target: 'orchestration CPU per saga ≤ 1.5 × choreography’s',
      measured: ours.ratio,
      unit: '×',
      note: ours.note,
      floorLabel: 'choreography, same tracing, same phase',
      floor: ours.choreography,
      floorUnit: 'ms',
      verdict: judge(ours.ratio, 1.5, 'lower'),
    });
  }
  results.push({
    id: 'shedding',
    target: 'past the knee: shed (503 + Retry-After), accepted orders all complete',
    measured: shedding.requests > 0 ? (shedding.shed / shedding.requests) * 100 : NaN,
    unit: '%',
    note: shedding.note,
    floorLabel: '–',
    floor: Number.NaN,
    verdict: shedding.verdict,
  });
  return results;
}

/** Orchestration's CPU per saga over choreography's at 200/s, or 100/s if 200/s is missing. */
function orchestrationCpu(
  report: BenchReport,
  choreography: BenchReport | undefined,
): { ratio: number; choreography: number; note: string } {
  if (choreography === undefined)
    return { ratio: NaN, choreography: NaN, note: 'needs the choreography run (--matrix)' };
  for (const name of ['200/s', '100/s']) {
    const ours = targetCpuPerSaga(byName(report, name), report.config.services);
    const theirs = targetCpuPerSaga(byName(choreography, name), choreography.config.services);
    if (Number.isFinite(ours) && Number.isFinite(theirs) && theirs > 0)
      return {
        ratio: ours / theirs,
        choreography: theirs,
        note: `at ${name}: ${ours.toFixed(2)} ms vs ${theirs.toFixed(2)} ms`,
      };
  }
  return { ratio: NaN, choreography: NaN, note: 'no rate both configurations ran' };
}
