// A run's results: assembled into one BenchReport, written as .json (everything,
// machine-readable) and .md (the rendered tables), and the markdown printed at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from './environment.ts';
import { epochNow } from './http-client.ts';
import type { RunConfig, RunSettings } from './options.ts';
import type { PhasesRun } from './phase-schedule.ts';
import type { MachineInfo } from './proc.ts';
import { progress } from './progress.ts';
import type { ProfileSummary } from './profile-summary.ts';
import { renderMatrix, renderReport } from './report.ts';
import type { BenchReport, FinalChecks, Floors, MatrixReport } from './report-model.ts';
import { DRAIN_TIMEOUT_MS, runStartedAt } from './run-clock.ts';
import type { Samplers } from './samplers.ts';
import type { Startup } from './system-under-test.ts';
import { MIX, SKUS } from './workload.ts';

export interface ReportInputs {
  readonly label: string;
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly env: Environment;
  readonly settings: RunSettings;
  readonly config: RunConfig;
  readonly startup: Startup;
  /** When this configuration's services were launched (epoch ms). */
  readonly configStartedAt: number;
  readonly profiles: Record<string, ProfileSummary> | null;
  readonly serviceNames: readonly string[];
  readonly floors: Floors;
  readonly run: PhasesRun;
  readonly final: FinalChecks;
  readonly samplers: Samplers;
}

/** The report as of now: its duration counts up to this call. */
export function assembleReport(input: ReportInputs): BenchReport {
  const { settings, run: phasesRun, samplers, startup } = input;
  const { phases } = phasesRun;
  return {
    startedAt: new Date(input.configStartedAt).toISOString(),
    durationS: (epochNow() - input.configStartedAt) / 1_000,
    label: input.label,
    quick: input.quick,
    machine: input.machine,
    versions: input.env.versions,
    postgresSettings: input.env.postgresSettings,
    config: {
      isolation: 'per-run',
      mode: input.config.mode,
      tracing: input.config.tracing,
      name: input.config.name,
      services: input.serviceNames,
      partitions: settings.partitions,
      serviceEnv: settings.serviceEnv,
      mix: { skus: SKUS.length, declineEvery: MIX.declineEvery },
      drainTimeoutMs: DRAIN_TIMEOUT_MS,
    },
    floors: input.floors,
    startup: {
      readyAfterLaunchMs: Object.fromEntries(
        Object.entries(startup.readyAt).map(([name, at]) => [name, at - startup.launchedAt]),
      ),
      allReadyAfterLaunchMs: startup.allReadyAt - startup.launchedAt,
      firstOrderAfterReadyMs:
        (phasesRun.phases.find((p) => p.spec.role === 'cold')?.startAt ?? NaN) - startup.allReadyAt,
    },
    profiles: input.profiles,
    idleCores: phasesRun.idle ?? null,
    phases,
    // The lowest judged rate that did not keep up.
    knee:
      phases
        .filter((p) => p.spec.kind === 'open' && p.spec.role !== 'warmup' && !p.keepsUp)
        .sort((a, b) => a.spec.rate - b.spec.rate)[0]?.spec.name ?? null,
    stoppedEarly: phasesRun.stopped ?? null,
    final: input.final,
    samplerFailures: samplers.failedSamples,
    samplerError: samplers.lastError ?? null,
  };
}

/** The run's file name stem: its start minute (UTC), e.g. 2026-12-01T1214. */
export function runStamp(): string {
  return new Date(runStartedAt()).toISOString().slice(0, 16).replace(':', '');
}

/** Files named after the run's start minute (UTC), `-quick` for a quick run. */
export function writeResults(
  results: BenchReport | MatrixReport,
  outDir: string,
  quick: boolean,
): void {
  mkdirSync(outDir, { recursive: true });
  const base = join(
    outDir,
    `${runStamp()}${quick ? '-quick' : ''}${'kind' in results ? '-matrix' : ''}`,
  );
  const markdown = 'kind' in results ? renderMatrix(results) : renderReport(results);
  writeFileSync(`${base}.json`, `${JSON.stringify(results, jsonNumbers, 2)}\n`);
  writeFileSync(`${base}.md`, markdown);
  console.log(`\n${markdown}`);
  progress(`results: ${base}.json, ${base}.md`);
}

/** NaN and Infinity are not JSON: write null. Typed arrays never reach the report. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
