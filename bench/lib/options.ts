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
  readonly partitions: string;
  readonly mode: string;
  readonly rates: string;
  readonly seconds: string;
  readonly env: readonly string[];
  readonly label: string;
  readonly out: string;
  readonly help: boolean;
}

export type SagaMode = 'choreography' | 'orchestration';

/** Extra environment per service process, from --env. */
export type ServiceEnv = Partial<Record<ProcessName, Record<string, string>>>;

/** The checked settings of the system under test. */
export interface RunSettings {
  readonly partitions: number;
  readonly serviceEnv: ServiceEnv;
  readonly mode: SagaMode;
}

export const USAGE = `usage: npm run bench -- [options]

  --quick                 short phases (a smoke run of about 2 minutes)
  --no-steps              skip the step load that looks for the knee
  --mode M                choreography (default) or orchestration (adds the saga-orchestrator)
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
      partitions: { type: 'string', default: '6' },
      mode: { type: 'string', default: 'choreography' },
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
  const mode = args.mode;
  if (mode !== 'choreography' && mode !== 'orchestration')
    throw new Error(`--mode must be choreography or orchestration, got ${mode}`);
  return { partitions, serviceEnv, mode };
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
