// `npm run bench`: the saga's KPIs next to their physical floors, measured in one run.
// See bench/README.md for what it measures and how; docs/performance.md for what it taught us.
// This file is the run's outline; each step is a module under lib/.
import { randomBytes } from 'node:crypto';
import { prepareEnvironment } from './lib/environment.ts';
import { finalCheck } from './lib/final-checks.ts';
import { HelperProcess } from './lib/helper-process.ts';
import type { GeneratorResult } from './lib/load-protocol.ts';
import { measureFloors } from './lib/measure-floors.ts';
import { silenceExpectedWarnings } from './lib/node-warnings.ts';
import { readArgs, runSettings, USAGE, type BenchArgs } from './lib/options.ts';
import { planFromArgs } from './lib/phase-plan.ts';
import { PhaseRunner } from './lib/phase-runner.ts';
import { runPhases } from './lib/phase-schedule.ts';
import { machineInfo } from './lib/proc.ts';
import { progress } from './lib/progress.ts';
import { assembleReport, writeResults } from './lib/results.ts';
import { startClock } from './lib/run-clock.ts';
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
    // 2. The services, isolated per run, and the probes that watch them.
    const sut = await startSystemUnderTest(settings, env, generator.child.pid, resources);
    // 3. Load phases.
    const runner = new PhaseRunner(generator, sut, settings.mode);
    const phasesRun = await runPhases(runner, planFromArgs(args), args.noSteps);
    // 4. Correctness over the whole run: every order created reached one terminal outcome.
    const final = await finalCheck(runner, sut, phasesRun.phases);
    await resources.stopSamplers();
    // 5. Results.
    const report = assembleReport({
      label: args.label,
      quick: args.quick,
      machine,
      env,
      settings,
      serviceNames: sut.serviceNames,
      floors,
      run: phasesRun,
      final,
      samplers: sut.samplers,
    });
    writeResults(report, args.out, args.quick);
    return final.ok ? 0 : 1;
  } finally {
    await resources.release();
  }
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
