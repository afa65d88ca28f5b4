// `npm run faults`: the fault matrix against the native stack (see scripts/faults/matrix.ts).
//   npm run faults                                    every scenario, both saga modes
//   npm run faults -- --mode orchestration --scenario kafka-restart --scenario poison-record
//   npm run faults -- --list
import { parseArgs } from 'node:util';
import { FAULT_SCENARIOS, type SagaMode } from './scenarios.ts';
import { formatLedgers, formatMatrix, runFaultMatrix } from './matrix.ts';

const USAGE = `usage: npm run faults -- [--mode choreography|orchestration|both] [--scenario NAME]... [--rate N] [--seconds S] [--list]

Drives steady load at each scenario's fault, waits for every order to settle and prints a ledger
per scenario, then one table. Needs the stack (npm run stack -- up) and a build (npx tsc -b).`;

function modesOf(value: string): SagaMode[] {
  if (value === 'both') return ['choreography', 'orchestration'];
  if (value === 'choreography' || value === 'orchestration') return [value];
  throw new Error(`--mode must be choreography, orchestration or both, not "${value}"`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'both' },
      scenario: { type: 'string', multiple: true },
      rate: { type: 'string', default: '12' },
      seconds: { type: 'string', default: '5' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list) {
    const width = Math.max(...FAULT_SCENARIOS.map((s) => s.name.length));
    for (const scenario of FAULT_SCENARIOS)
      console.log(
        `${scenario.name.padEnd(width)}  ${scenario.description}${scenario.modes === undefined ? '' : ` (${scenario.modes.join(', ')} only)`}`,
      );
    return 0;
  }
  const started = performance.now();
  const results = await runFaultMatrix({
    modes: modesOf(values.mode),
    ...(values.scenario === undefined ? {} : { scenarios: values.scenario }),
    ratePerSecond: Number(values.rate),
    loadMs: Number(values.seconds) * 1000,
    progress: (line) =>
      console.log(`${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s  ${line}`),
  });
  console.log(`\n${formatLedgers(results)}\n\n${formatMatrix(results)}`);
  const failed = results.filter((r) => r.problems.length > 0).length;
  console.log(
    `\n${results.length - failed} of ${results.length} scenarios held every guarantee (${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
