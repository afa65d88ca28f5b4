// The command line: its flags and defaults, the --help text, and the checks that turn the flags
// into the run's settings. The phase plan (--rates, --seconds, --quick, --no-steps) is in
// phase-plan.ts.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ProcessName } from '../../scripts/system/saga-system.ts';
import { SERVICES } from './phases.ts';
import { REPO_ROOT } from './repo-root.ts';

/** The flags as given (strings until checked), defaults filled in. */
export interface BenchArgs {
  readonly quick: boolean;
  readonly noSteps: boolean;
  readonly matrix: boolean;
  readonly profile: boolean;
  /** Empty when not given: on, or the matrix's two settings. */
  readonly tracing: string;
  readonly partitions: string;
  /** Empty when not given: choreography, or the matrix's two modes. */
  readonly mode: string;
  readonly rates: string;
  readonly seconds: string;
  readonly env: readonly string[];
  readonly label: string;
  readonly out: string;
  readonly help: boolean;
}

export type SagaMode = 'choreography' | 'orchestration';

/** `default`: the services' own sampling (every trace, to the stack's Zipkin); `off`: no SDK. */
export type TracingSetting = 'default' | 'off';

/** Extra environment per service process, from --env. */
export type ServiceEnv = Partial<Record<ProcessName, Record<string, string>>>;

/** The checked settings of the system under test. */
export interface RunSettings {
  readonly partitions: number;
  /** From --env; tracing and profiling add theirs per configuration (configEnv). */
  readonly serviceEnv: ServiceEnv;
  readonly mode: SagaMode;
  readonly tracing: TracingSetting;
}

/** One configuration of a run: `--matrix` runs four, otherwise one from --mode and --tracing. */
export interface RunConfig {
  readonly name: string;
  readonly mode: SagaMode;
  readonly tracing: TracingSetting;
}

export function runConfigs(args: BenchArgs, settings: RunSettings): RunConfig[] {
  const config = (mode: SagaMode, tracing: TracingSetting): RunConfig => ({
    name: `${mode}, tracing ${tracing === 'off' ? 'off' : 'on'}`,
    mode,
    tracing,
  });
  if (!args.matrix) return [config(settings.mode, settings.tracing)];
  return [
    config('choreography', 'default'),
    config('choreography', 'off'),
    config('orchestration', 'default'),
    config('orchestration', 'off'),
  ];
}

/**
 * The services' environment for one configuration: --env, then tracing off
 * (OTEL_SDK_DISABLED=true, see docs/tracing.md), then the CPU profiler when profiling.
 */
export function configEnv(
  serviceEnv: ServiceEnv,
  config: RunConfig,
  profileDir: string | undefined,
): ServiceEnv {
  const env: ServiceEnv = {};
  for (const name of [...SERVICES, 'saga-orchestrator'] as const) {
    const extra: Record<string, string> = { ...serviceEnv[name] };
    if (config.tracing === 'off') extra['OTEL_SDK_DISABLED'] = 'true';
    if (profileDir !== undefined)
      extra['NODE_OPTIONS'] =
        `${extra['NODE_OPTIONS'] ?? ''} --cpu-prof --cpu-prof-dir=${join(profileDir, name)}`.trim();
    if (Object.keys(extra).length > 0) env[name] = extra;
  }
  return env;
}

export const USAGE = `usage: npm run bench -- [options]

  --quick                 short phases (a smoke run of about 2 minutes)
  --no-steps              skip the step load that looks for the knee
  --mode M                choreography (default) or orchestration (adds the saga-orchestrator)
  --tracing T             on (default: the services' own sampling, every trace to Zipkin) or off
                          (OTEL_SDK_DISABLED=true)
  --matrix                both modes × tracing on/off in one run (shorter phases per
                          configuration, about 20 minutes), one results file with a comparison
  --profile               run the services under node --cpu-prof; profiles go to
                          <out>/<stamp>-profiles/, a summary per service into the results
  --partitions N          partitions per saga topic (default 6)
  --rates R1,R2,...       fixed open-loop rates in orders/s (default 50,100,200)
  --seconds S             length of each fixed-rate phase (default 20, quick 6)
  --env SERVICE:KEY=VALUE extra environment for one service ('*' for all), repeatable,
                          e.g. --env '*:LOG_LEVEL=warn' --env orders-service:DATABASE_POOL_SIZE=20
  --label TEXT            a note stored with the results (e.g. "baseline")
  --out DIR               where results go (default bench/results)`;

/** Reads process.argv; an unknown flag throws. */
export function readArgs(): BenchArgs {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'no-steps': { type: 'boolean', default: false },
      matrix: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      tracing: { type: 'string', default: '' },
      partitions: { type: 'string', default: '6' },
      mode: { type: 'string', default: '' },
      rates: { type: 'string', default: '50,100,200' },
      seconds: { type: 'string', default: '' },
      env: { type: 'string', multiple: true, default: [] },
      label: { type: 'string', default: '' },
      out: { type: 'string', default: join(REPO_ROOT, 'bench', 'results') },
      help: { type: 'boolean', default: false },
    },
  });
  const { 'no-steps': noSteps, ...rest } = values;
  return { ...rest, noSteps };
}

export function runSettings(args: BenchArgs): RunSettings {
  const partitions = Number(args.partitions);
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new Error(`--partitions must be a positive integer, got ${args.partitions}`);
  const serviceEnv = parseEnv(args.env);
  // --matrix runs every mode and tracing setting: one of them given as well would be ignored.
  if (args.matrix && (args.mode !== '' || args.tracing !== ''))
    throw new Error('--matrix runs both modes with tracing on and off: drop --mode and --tracing');
  const mode = args.mode === '' ? 'choreography' : args.mode;
  if (mode !== 'choreography' && mode !== 'orchestration')
    throw new Error(`--mode must be choreography or orchestration, got ${mode}`);
  const tracing = args.tracing === '' ? 'on' : args.tracing;
  if (tracing !== 'on' && tracing !== 'off')
    throw new Error(`--tracing must be on or off, got ${tracing}`);
  return { partitions, serviceEnv, mode, tracing: tracing === 'off' ? 'off' : 'default' };
}

/** `SERVICE:KEY=VALUE` specs, merged per service; `*` means every process of the run. */
export function parseEnv(specs: readonly string[]): ServiceEnv {
  const env: ServiceEnv = {};
  const known: readonly string[] = [...SERVICES, 'saga-orchestrator'];
  for (const spec of specs) {
    const match = /^([\w*-]+):([A-Z0-9_]+)=(.*)$/.exec(spec);
    if (match === null) throw new Error(`--env ${spec}: expected SERVICE:KEY=VALUE`);
    const [, service = '', key = '', value = ''] = match;
    const targets = service === '*' ? known : [service];
    for (const target of targets) {
      if (!known.includes(target)) throw new Error(`--env ${spec}: unknown service ${target}`);
      env[target as ProcessName] = { ...env[target as ProcessName], [key]: value };
    }
  }
  return env;
}
