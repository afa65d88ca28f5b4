// `npm run bench`: the saga's KPIs next to their physical floors, measured in one run.
// See bench/README.md for what it measures and how; docs/performance.md for what it taught us.
// This file is the run's outline; each step is a module under lib/.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { prepareEnvironment, type Environment } from './lib/environment.ts';
import { finalCheck } from './lib/final-checks.ts';
import { HelperProcess } from './lib/helper-process.ts';
import type { GeneratorResult } from './lib/load-protocol.ts';
import { measureFloors } from './lib/measure-floors.ts';
import { silenceExpectedWarnings } from './lib/node-warnings.ts';
import { epochNow } from './lib/http-client.ts';
import {
  configEnv,
  readArgs,
  runConfigs,
  runSettings,
  USAGE,
  type BenchArgs,
  type RunConfig,
  type RunSettings,
} from './lib/options.ts';
import { planFromArgs } from './lib/phase-plan.ts';
import { PhaseRunner } from './lib/phase-runner.ts';
import { runPhases } from './lib/phase-schedule.ts';
import { machineInfo, type MachineInfo } from './lib/proc.ts';
import {
  monotonicUs,
  summarizeProfileDir,
  type ProfileSummary,
  type ProfileWindow,
} from './lib/profile-summary.ts';
import { progress } from './lib/progress.ts';
import type { BenchReport, Floors } from './lib/report-model.ts';
import { assembleReport, runStamp, writeResults } from './lib/results.ts';
import {
  MATRIX_LOAD_BUDGET_MS,
  runStartedAt,
  startClock,
  startLoadBudget,
} from './lib/run-clock.ts';
import { RunResources } from './lib/run-resources.ts';
import { startSystemUnderTest } from './lib/system-under-test.ts';

startClock();
silenceExpectedWarnings();
const cliArgs = readArgs();
if (cliArgs.help) {
  console.log(USAGE);
  process.exit(0);
}

async function main(args: BenchArgs): Promise<number> {
  const machine = machineInfo();
  const runId = randomBytes(3).toString('hex');
  const settings = runSettings(args);
  const configs = runConfigs(args, settings);
  const profileRoot = args.profile ? join(args.out, `${runStamp()}-profiles`) : undefined;
  progress(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, load ${machine.loadAverage.join(' ')}`,
  );
  const env = await prepareEnvironment();

  const resources = new RunResources();
  const generator = new HelperProcess<GeneratorResult>('load-generator.ts');
  resources.helpers.push(generator);
  try {
    // 1. Floors, on a quiet machine, before the services start.
    const floors = await measureFloors({
      generator,
      resources,
      postgresUrl: env.endpoints.postgres.urls.orders,
      brokers: env.endpoints.kafka.brokers,
      kafkaPid: env.kafkaPid,
      runId,
      partitions: settings.partitions,
    });
    const reports: BenchReport[] = [];
    for (const config of configs) {
      const profileDir =
        profileRoot === undefined ? undefined : join(profileRoot, slug(config.name));
      reports.push(
        await runConfiguration({
          args,
          machine,
          env,
          settings,
          config,
          floors,
          generator,
          profileDir,
        }),
      );
    }
    // 6. Results.
    const [single] = reports;
    if (configs.length === 1 && single !== undefined) writeResults(single, args.out, args.quick);
    else
      writeResults(
        {
          kind: 'matrix',
          startedAt: new Date(runStartedAt()).toISOString(),
          durationS: (epochNow() - runStartedAt()) / 1_000,
          label: args.label,
          configurations: reports,
        },
        args.out,
        args.quick,
      );
    if (profileRoot !== undefined) progress(`profiles: ${profileRoot}/`);
    return reports.every((r) => r.final.ok) ? 0 : 1;
  } finally {
    await resources.release();
  }
}

interface ConfigurationInputs {
  readonly args: BenchArgs;
  readonly machine: MachineInfo;
  readonly env: Environment;
  readonly settings: RunSettings;
  readonly config: RunConfig;
  readonly floors: Floors;
  readonly generator: HelperProcess<GeneratorResult>;
  readonly profileDir: string | undefined;
}

/** One configuration: its own services, the load, the checks, the services stopped. */
async function runConfiguration(input: ConfigurationInputs): Promise<BenchReport> {
  const { args, config, profileDir, generator } = input;
  if (args.matrix) startLoadBudget(MATRIX_LOAD_BUDGET_MS);
  progress(`configuration: ${config.name}`);
  const configStartedAt = epochNow();
  const settings: RunSettings = { ...input.settings, mode: config.mode, tracing: config.tracing };
  const launchSettings: RunSettings = {
    ...settings,
    serviceEnv: configEnv(settings.serviceEnv, config, profileDir),
  };
  const resources = new RunResources();
  try {
    // 2. The services, isolated per run, and the probes that watch them; timed from the launch.
    const sut = await startSystemUnderTest(
      launchSettings,
      input.env,
      generator.child.pid,
      resources,
    );
    const runner = new PhaseRunner(generator, sut, settings.mode);
    const plan = planFromArgs(args);
    // 3. The first orders right after every service reported ready, then the load phases.
    const cold = await runner.run(plan.cold, undefined);
    await sut.samplers.start();
    const loadRun = await runPhases(runner, plan, args.noSteps);
    const phasesRun = { ...loadRun, phases: [cold, ...loadRun.phases] };
    // 4. Correctness over the whole run: every order created reached one terminal outcome.
    const final = await finalCheck(runner, sut, phasesRun.phases);
    const profiled = { fromUs: sut.startup.allReadyMonoUs, toUs: monotonicUs() };
    await resources.stopSamplers();
    // 5. The services stop (a profiled one writes its profile on exit), then the summary.
    await resources.release();
    return assembleReport({
      label: args.label,
      quick: args.quick,
      machine: input.machine,
      env: input.env,
      settings,
      config,
      startup: sut.startup,
      configStartedAt,
      profiles:
        profileDir === undefined ? null : profileSummaries(profileDir, sut.serviceNames, profiled),
      serviceNames: sut.serviceNames,
      floors: input.floors,
      run: phasesRun,
      final,
      samplers: sut.samplers,
    });
  } finally {
    await resources.release();
  }
}

/** Each service's profile from every service ready to the end of the final check. */
function profileSummaries(
  dir: string,
  services: readonly string[],
  window: ProfileWindow,
): Record<string, ProfileSummary> {
  const out: Record<string, ProfileSummary> = {};
  for (const service of services) {
    const summary = summarizeProfileDir(join(dir, service), window);
    if (summary === undefined)
      progress(`  no CPU profile from ${service} in ${join(dir, service)}`);
    else out[service] = summary;
  }
  return out;
}

function slug(name: string): string {
  return name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');
}

main(cliArgs).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  },
);
