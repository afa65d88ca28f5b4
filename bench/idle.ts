// `npm run bench:idle`: the two start-and-idle figures of issue #13 without the load phases, in
// about a minute and a half: how long the first sagas after every service reported ready take
// against warm ones, and what the running system costs while nothing happens (CPU per process
// from /proc over a long window, and PostgreSQL transactions per second per service database:
// the pollers' footprint, which the machine's noise does not blur). For A/B runs of the idle
// timers and the start-up path; `npm run bench` stays the reference for every other figure.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSagaSystem, type SagaSystem } from '../scripts/system/saga-system.ts';
import { orderBody, postOrder, setStock, TERMINAL } from '../scripts/system/orders-api.ts';
import { prepareEnvironment } from './lib/environment.ts';
import { silenceExpectedWarnings } from './lib/node-warnings.ts';
import { configEnv, parseEnv, type SagaMode } from './lib/options.ts';
import { cpuDelta, takeSnapshot, type Snapshot } from './lib/snapshot.ts';
import { machineInfo } from './lib/proc.ts';
import {
  groupsLine,
  monotonicUs,
  summarizeProfileDir,
  type ProfileWindow,
} from './lib/profile-summary.ts';
import { progress } from './lib/progress.ts';
import { startClock } from './lib/run-clock.ts';
import { RunResources } from './lib/run-resources.ts';
import { runProcessSet } from './lib/run-processes.ts';
import { pollReady } from './lib/system-under-test.ts';

const USAGE = `usage: npm run bench:idle -- [options]

  --seconds S             length of the idle window (default 60), cut in 10 s slices
  --first N               sagas one at a time right after every service is ready (default 5)
  --warm N                warm sagas one at a time after them (default 20)
  --mode M                choreography (default) or orchestration
  --tracing T             on (default) or off (OTEL_SDK_DISABLED=true)
  --env SERVICE:KEY=VALUE extra environment for one service ('*' for all), repeatable
  --profile DIR           every service under node --cpu-prof (profiles in DIR/<service>/); the
                          summary covers the idle window only`;

const SKU = 'SKU-IDLE-1';
const SETTLE_MS = 10_000;
const SLICE_MS = 10_000;
const POLL_MS = 5;

startClock();
silenceExpectedWarnings();
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    first: { type: 'string', default: '5' },
    warm: { type: 'string', default: '20' },
    mode: { type: 'string', default: 'choreography' },
    tracing: { type: 'string', default: 'on' },
    env: { type: 'string', multiple: true, default: [] },
    profile: { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

/** POST one order and poll it until it ends: milliseconds from the send. */
async function oneSaga(sys: SagaSystem): Promise<number> {
  const started = performance.now();
  const created = await postOrder(
    sys.ordersUrl,
    orderBody({ items: [{ sku: SKU, quantity: 1, unitPrice: 1250 }] }),
  );
  if (created.status !== 201) throw new Error(`POST /orders answered ${created.status}`);
  const url = `${sys.ordersUrl}/orders/${created.body.id}`;
  for (;;) {
    const response = await fetch(url);
    const order = (await response.json()) as { status: string };
    if (TERMINAL.includes(order.status)) {
      if (order.status !== 'FULFILLED') throw new Error(`order ended ${order.status}`);
      return performance.now() - started;
    }
    if (performance.now() - started > 60_000) throw new Error('a saga took more than 60 s');
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const pct = (cores: number): string => `${(cores * 100).toFixed(2)} %`;

async function main(): Promise<void> {
  const mode = args.mode as SagaMode;
  if (mode !== 'choreography' && mode !== 'orchestration')
    throw new Error(`--mode must be choreography or orchestration, got ${args.mode}`);
  if (args.tracing !== 'on' && args.tracing !== 'off')
    throw new Error(`--tracing must be on or off, got ${args.tracing}`);
  const seconds = Number(args.seconds);
  const env = await prepareEnvironment();
  const serviceEnv = configEnv(
    parseEnv(args.env),
    { name: '', mode, tracing: args.tracing === 'off' ? 'off' : 'default' },
    args.profile === '' ? undefined : resolve(args.profile),
  );
  progress(`load average ${machineInfo().loadAverage.join(' ')}`);
  const resources = new RunResources();
  let window: ProfileWindow | undefined;
  const names: string[] = [];
  try {
    const launchedAt = performance.now();
    const sys = await startSagaSystem('idle', {
      isolation: 'per-run',
      mode,
      env: serviceEnv,
      await: 'launched',
    });
    resources.system = sys;
    const launched = Object.values(sys.services).concat(sys.orchestrator ?? []);
    names.push(...launched.map((service) => service.name));
    await Promise.all(launched.map((service) => pollReady(service)));
    progress(
      `every service ready ${((performance.now() - launchedAt) / 1_000).toFixed(1)} s after launch`,
    );
    await setStock(sys.fulfillmentUrl, SKU, 1_000_000);
    const first: number[] = [];
    for (let i = 0; i < Number(args.first); i++) first.push(await oneSaga(sys));
    const warm: number[] = [];
    for (let i = 0; i < Number(args.warm); i++) warm.push(await oneSaga(sys));
    const warmP50 = median(warm);
    progress(
      `first sagas: ${first.map((ms) => ms.toFixed(0)).join(', ')} ms; warm p50 ${warmP50.toFixed(1)} ms (${warm.length}); first ÷ warm ${((first[0] ?? NaN) / warmP50).toFixed(2)}×`,
    );

    const processes = await runProcessSet(
      {
        system: sys,
        services: launched,
        serviceDatabases: Object.fromEntries(
          launched
            .filter((s) => s.env['DATABASE_URL'] !== undefined)
            .map((s) => [s.name, s.env['DATABASE_URL'] ?? '']),
        ),
        adminUrl: env.endpoints.postgres.urls.orders,
        kafkaPid: env.kafkaPid,
        redisPid: env.redisPid,
        benchPids: [],
      },
      resources,
    );
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    progress(
      `idle for ${seconds} s (load average ${machineInfo().loadAverage.join(' ')}); pids: ${[
        ...launched.map((s) => s.process.pid),
        env.kafkaPid,
      ].join(' ')}`,
    );
    const snapshots: Snapshot[] = [await takeSnapshot(processes)];
    window = { fromUs: monotonicUs(), toUs: 0 };
    const until = performance.now() + seconds * 1_000;
    while (performance.now() < until) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(SLICE_MS, until - performance.now())),
      );
      snapshots.push(await takeSnapshot(processes));
    }
    window = { ...window, toUs: monotonicUs() };
    const rate = (before: Snapshot, after: Snapshot): Record<string, number> => {
      const used = cpuDelta(before, after);
      const wall = (after.at - before.at) / 1_000;
      return Object.fromEntries(Object.entries(used).map(([k, v]) => [k, v / wall]));
    };
    const whole = rate(snapshots[0] as Snapshot, snapshots.at(-1) as Snapshot);
    const slices = snapshots.slice(1).map((after, i) => rate(snapshots[i] as Snapshot, after));
    const wall = ((snapshots.at(-1)?.at ?? 0) - (snapshots[0]?.at ?? 0)) / 1_000;
    const txBefore = snapshots[0]?.transactions ?? {};
    const txAfter = snapshots.at(-1)?.transactions ?? {};
    console.log(`\n| process | idle, share of a core | 10 s slices min–max | transactions/s |`);
    console.log('| --- | --- | --- | --- |');
    for (const name of [...launched.map((s) => s.name), 'postgres', 'kafka', 'redis', 'others']) {
      const values = slices.map((s) => s[name] ?? 0);
      const tx =
        txAfter[name] === undefined
          ? ''
          : (((txAfter[name] ?? 0) - (txBefore[name] ?? 0)) / wall).toFixed(2);
      console.log(
        `| ${name} | ${pct(whole[name] ?? 0)} | ${pct(Math.min(...values))}–${pct(Math.max(...values))} | ${tx} |`,
      );
    }
    console.log(
      `\nfirst saga ${(first[0] ?? NaN).toFixed(0)} ms, then ${first
        .slice(1)
        .map((ms) => ms.toFixed(0))
        .join(
          ', ',
        )}; warm p50 ${warmP50.toFixed(1)} ms; load average at the end ${machineInfo().loadAverage.join(' ')}`,
    );
  } finally {
    await resources.release();
  }
  // The services wrote their profiles when they stopped.
  if (args.profile !== '' && window !== undefined)
    for (const name of names) {
      const summary = summarizeProfileDir(join(resolve(args.profile), name), window);
      if (summary === undefined) continue;
      console.log(
        `\n${name}: busy ${summary.busyMs.toFixed(0)} ms of ${summary.wallMs.toFixed(0)} ms: ${groupsLine(summary)}`,
      );
      for (const f of summary.top.slice(0, 8))
        console.log(`  ${f.ms.toFixed(1)} ms ${f.name} ${f.where}`);
    }
}

main().then(
  () => undefined,
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
