// `npm run bench`: the saga's KPIs next to their physical floors, measured in one run.
// See bench/README.md for what it measures and how; docs/performance.md for what it taught us.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { ALL_TOPICS } from '../packages/contracts/src/topics.ts';
import { resolveStackEndpoints } from '../scripts/stack/endpoints.ts';
import { pinnedKafkaVersion } from '../scripts/stack/kafka-config.ts';
import { createKafka as createKafkaServer } from '../scripts/stack/kafka.ts';
import { createRedis } from '../scripts/stack/redis.ts';
import {
  startSagaSystem,
  type ProcessName,
  type SagaSystem,
} from '../scripts/system/saga-system.ts';
import { measureKafkaFloor, measureTransactionFloor } from './lib/floors.ts';
import { Histogram } from './lib/histogram.ts';
import { epochNow } from './lib/http-client.ts';
import type {
  ClosedLoopCommand,
  GeneratorResult,
  ObserverMessage,
  OpenLoopCommand,
  OrderMix,
} from './lib/load-protocol.ts';
import { analyzePhase, SERVICES, type PhaseResult, type PhaseSpec } from './lib/phases.ts';
import { machineInfo, processCpu, type MachineInfo } from './lib/proc.ts';
import { renderReport, type BenchReport, type FinalChecks, type Floors } from './lib/report.ts';
import { SagaEvents } from './lib/saga-events.ts';
import { Samplers } from './lib/samplers.ts';
import { cpuDelta, cpuNow, takeSnapshot, type ProcessSet } from './lib/snapshot.ts';

const ROOT = resolve(import.meta.dirname, '..');
const STARTED = epochNow();
/** The whole run must end within 10 minutes; load phases stop being scheduled past this. */
const LOAD_BUDGET_MS = 8 * 60_000;
const DRAIN_TIMEOUT_MS = 60_000;
/**
 * One POST at a time, at most 20 per second: without the pause the closed loop would itself
 * load the machine (each order starts a saga) and measure queueing, not the request.
 */
const SEQUENTIAL_PACE_MS = 50;
/** A drain that sees no saga finish for this long has stalled. */
const STALL_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const SKUS = Array.from({ length: 50 }, (_, i) => `SKU-BENCH-${i}`);
/** 1 order in 50 pays with a declining card: the cancel path runs too, and must end CANCELLED. */
const MIX: OrderMix = { skus: SKUS, declineEvery: 50 };

// kafkajs 2.2.4 calls setTimeout with a negative delay (Node >= 23 warns and uses 1 ms), and the
// contracts' topics.ts is loaded from source with no "type" in its package.json.
const IGNORED_WARNINGS = new Set(['MODULE_TYPELESS_PACKAGE_JSON', 'TimeoutNegativeWarning']);
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  if (!IGNORED_WARNINGS.has(warning.code ?? warning.name))
    console.error(`(node) ${warning.name}: ${warning.message}`);
});

/** Length of the no-load measurement after the warm-up. */
const IDLE_MS = 5_000;

function pctOfCore(cores: number | undefined): string {
  return cores === undefined ? '-' : `${(cores * 100).toFixed(1)} %`;
}

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-steps': { type: 'boolean', default: false },
    partitions: { type: 'string', default: '6' },
    mode: { type: 'string', default: 'choreography' },
    rates: { type: 'string', default: '50,100,200' },
    seconds: { type: 'string', default: '' },
    env: { type: 'string', multiple: true, default: [] },
    label: { type: 'string', default: '' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`usage: npm run bench -- [options]

  --quick                 short phases (a smoke run of about 2 minutes)
  --no-steps              skip the step load that looks for the knee
  --mode M                choreography (default) or orchestration (adds the saga-orchestrator)
  --partitions N          partitions per saga topic (default 6)
  --rates R1,R2,...       fixed open-loop rates in orders/s (default 50,100,200)
  --seconds S             length of each fixed-rate phase (default 20, quick 6)
  --env SERVICE:KEY=VALUE extra environment for one service ('*' for all), repeatable,
                          e.g. --env '*:LOG_LEVEL=warn' --env orders-service:DATABASE_POOL_SIZE=20
  --label TEXT            a note stored with the results (e.g. "baseline")
  --out DIR               where results go (default bench/results)`);
  process.exit(0);
}

function progress(message: string): void {
  const elapsed = ((epochNow() - STARTED) / 1_000).toFixed(1).padStart(6);
  console.log(`[bench ${elapsed}s] ${message}`);
}

function fmt(ms: number): string {
  if (Number.isNaN(ms)) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function floorLine(latency: Histogram, cpuMs: number): string {
  return `p50 ${fmt(latency.percentile(50))} ms, p99 ${fmt(latency.percentile(99))} ms, CPU ${fmt(cpuMs)} ms per operation (client + server)`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function run(command: string, argv: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, argv, { cwd: ROOT, stdio: 'inherit' });
    child.once('error', fail);
    child.once('exit', (code) => done(code ?? 1));
  });
}

function parseEnv(specs: readonly string[]): Partial<Record<ProcessName, Record<string, string>>> {
  const env: Partial<Record<ProcessName, Record<string, string>>> = {};
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

/** A forked helper with request/response over IPC (structured clone, so typed arrays pass). */
class Helper<Result extends { requestId?: number }> {
  readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, (result: Result) => void>();

  constructor(script: string, onOther?: (message: unknown) => void) {
    this.child = fork(join(import.meta.dirname, 'lib', script), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: Result) => {
      const id = message.requestId;
      const resolveWaiting = id === undefined ? undefined : this.waiting.get(id);
      if (id !== undefined && resolveWaiting !== undefined) {
        this.waiting.delete(id);
        resolveWaiting(message);
      } else {
        onOther?.(message);
      }
    });
  }

  request<C extends { requestId: number }>(
    command: Omit<C, 'requestId'>,
    timeoutMs: number,
  ): Promise<Result> {
    const requestId = this.nextId++;
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        fail(new Error(`helper did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(requestId, (result) => {
        clearTimeout(timer);
        done(result);
      });
      this.child.send({ ...command, requestId });
    });
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.send({ kind: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

async function ensureStack(): Promise<void> {
  progress('native stack: npm run stack -- up (idempotent)');
  const code = await run(process.execPath, [join(ROOT, 'scripts/stack/cli.ts'), 'up']);
  if (code !== 0) throw new Error(`stack up failed with exit code ${code}`);
}

async function ensureBuild(): Promise<void> {
  const missing = [...SERVICES].filter(
    (name) => !existsSync(join(ROOT, 'services', name, 'dist', 'main.js')),
  );
  if (missing.length === 0) return;
  progress(`building (dist missing for ${missing.join(', ')}): tsc -b`);
  const code = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b']);
  if (code !== 0) throw new Error(`tsc -b failed with exit code ${code}`);
}

async function postgresFacts(url: string): Promise<Record<string, string>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const facts: Record<string, string> = {};
    for (const setting of [
      'server_version',
      'synchronous_commit',
      'fsync',
      'shared_buffers',
      'max_connections',
    ]) {
      const result = await client.query<Record<string, string>>(`SHOW ${setting}`);
      facts[setting] = Object.values(result.rows[0] ?? {})[0] ?? '';
    }
    return facts;
  } finally {
    await client.end();
  }
}

/** The commit measured, `-dirty` if the work tree differs from it (read only; git is not changed). */
function gitRevision(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=12'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    const json = JSON.parse(
      readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version?: string };
    return json.version ?? '?';
  } catch {
    return '?';
  }
}

function phasePlan(
  quick: boolean,
  steps: boolean,
  rates: readonly number[],
  fixedSeconds: number | undefined,
): { fixed: PhaseSpec[]; steps: PhaseSpec[] } {
  const open = (
    name: string,
    role: PhaseSpec['role'],
    rate: number,
    seconds: number,
  ): PhaseSpec => ({
    name,
    role,
    kind: 'open',
    rate,
    durationMs: seconds * 1_000,
    count: 0,
  });
  const seconds = fixedSeconds ?? (quick ? 6 : 20);
  const stepSeconds = quick ? 5 : 10;
  return {
    fixed: [
      open('warmup 25/s', 'warmup', 25, quick ? 4 : 8),
      {
        name: 'one at a time',
        role: 'sequential',
        kind: 'closed',
        rate: 0,
        durationMs: 0,
        count: quick ? 60 : 200,
      },
      ...rates.map((rate) => open(`${rate}/s`, 'fixed', rate, seconds)),
    ],
    steps: steps
      ? (quick ? [300, 400] : [300, 400, 500, 650, 800]).map((rate) =>
          open(`step ${rate}/s`, 'step', rate, stepSeconds),
        )
      : [],
  };
}

async function main(): Promise<number> {
  const machine: MachineInfo = machineInfo();
  const runId = randomBytes(3).toString('hex');
  const partitions = Number(args.partitions);
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new Error(`--partitions must be a positive integer, got ${args.partitions}`);
  const serviceEnv = parseEnv(args.env);
  const mode = args.mode;
  if (mode !== 'choreography' && mode !== 'orchestration')
    throw new Error(`--mode must be choreography or orchestration, got ${mode}`);
  progress(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, load ${machine.loadAverage.join(' ')}`,
  );

  await ensureStack();
  await ensureBuild();
  const endpoints = resolveStackEndpoints(process.env);
  const [kafkaStatus, redisStatus] = await Promise.all([
    createKafkaServer(endpoints, process.env).status(),
    createRedis(endpoints).status(),
  ]);
  const pg = await postgresFacts(endpoints.postgres.urls.orders);
  const versions = {
    revision: gitRevision(),
    // The services run from dist/: when it was last built says which code was measured.
    built: new Date(
      Math.max(
        ...SERVICES.map(
          (name) => statSync(join(ROOT, 'services', name, 'dist', 'main.js')).mtimeMs,
        ),
      ),
    ).toISOString(),
    node: process.version,
    kafka: pinnedKafkaVersion(),
    postgres: pg['server_version'] ?? '?',
    kafkajs: packageVersion('kafkajs'),
    pg: packageVersion('pg'),
    nestjs: packageVersion('@nestjs/core'),
    fastify: packageVersion('fastify'),
    typeorm: packageVersion('typeorm'),
  };
  progress(
    `versions: node ${versions.node}, Kafka ${versions.kafka}, PostgreSQL ${versions.postgres} (fsync ${pg['fsync']}, synchronous_commit ${pg['synchronous_commit']}), kafkajs ${versions.kafkajs}`,
  );

  const generator = new Helper<GeneratorResult>('load-generator.ts');
  const helpers: Array<{ exit(): Promise<void> }> = [generator];
  const closers: Array<() => Promise<void>> = [];
  let system: SagaSystem | undefined;
  let samplers: Samplers | undefined;
  let observer: Helper<ObserverMessage & { requestId?: number }> | undefined;
  try {
    // 1. Floors, on a quiet machine, before the services start.
    progress('floor (a): PostgreSQL transaction, one order row + one outbox row (pg driver)');
    const tx = await measureTransactionFloor(endpoints.postgres.urls.orders, runId, 2_000, 200);
    progress(`  ${floorLine(tx.latency, tx.cpuMs)}`);

    progress('floor (b): no-op POST route on NestJS + Fastify (createHttpApp), in a child process');
    const noopServer = new Helper<never>('noop-server.ts');
    helpers.push(noopServer);
    const port = await new Promise<number>((done, fail) => {
      const timer = setTimeout(() => fail(new Error('no-op server did not start in 30 s')), 30_000);
      noopServer.child.once('message', (message: { port?: number }) => {
        clearTimeout(timer);
        done(message.port ?? 0);
      });
    });
    const noopCpu = (): number =>
      processCpu(generator.child.pid) + processCpu(noopServer.child.pid);
    const noopCpuStart = noopCpu();
    const noopCount = 2_000;
    const noopWarmup = 300;
    const noopResult = await generator.request<ClosedLoopCommand>(
      {
        kind: 'closed',
        url: `http://127.0.0.1:${port}/noop`,
        count: noopCount,
        warmup: noopWarmup,
        firstSeq: 0,
        mix: MIX,
        expectStatus: 201,
        collectIds: false,
        timeoutMs: REQUEST_TIMEOUT_MS,
        paceMs: 0,
      },
      120_000,
    );
    // Warm-up requests included: the CPU figure is a slight overestimate, never an under.
    const noopCpuMs = ((noopCpu() - noopCpuStart) * 1_000) / (noopCount + noopWarmup);
    await noopServer.exit();
    if (noopResult.kind !== 'closed-done') throw new Error('load generator: unexpected answer');
    const noop = new Histogram();
    for (const latency of noopResult.latencies) noop.record(latency);
    if (noopResult.errors.length > 0) progress(`  errors: ${noopResult.errors.join('; ')}`);
    progress(`  ${floorLine(noop, noopCpuMs)}`);

    progress("floor (c): Kafka hop, KafkaPublisher -> EventConsumer (the services' settings)");
    const kafka = await measureKafkaFloor(
      endpoints.kafka.brokers,
      runId,
      partitions,
      500,
      50,
      kafkaStatus.pid,
    );
    progress(`  ${floorLine(kafka.latency, kafka.cpuMs)}`);
    const floors: Floors = {
      transaction: { latency: tx.latency.summary(), cpuMs: tx.cpuMs },
      noop: { latency: noop.summary(), cpuMs: noopCpuMs },
      kafka: { latency: kafka.latency.summary(), cpuMs: kafka.cpuMs },
    };

    // 2. The services, isolated per run: own databases, topics and consumer groups.
    progress(`starting the services (isolation per-run, ${partitions} partitions per topic)`);
    const sys = await startSagaSystem('bench', {
      isolation: 'per-run',
      mode,
      partitions,
      env: serviceEnv,
    });
    system = sys;
    progress(`  up: run ${sys.runId}, logs in .stack/test-logs/${sys.runId}/`);
    for (const sku of SKUS) {
      const response = await fetch(`${sys.fulfillmentUrl}/inventory/${sku}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ available: 10_000_000 }),
      });
      if (!response.ok) throw new Error(`stocking ${sku} failed: ${response.status}`);
    }

    const events = new SagaEvents();
    const obs = new Helper<ObserverMessage & { requestId?: number }>('observer.ts');
    observer = obs;
    helpers.push(obs);
    const observerReady = new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error('observer did not join in 60 s')), 60_000);
      obs.child.on('message', (message: ObserverMessage) => {
        if (message.kind === 'ready') {
          clearTimeout(timer);
          done();
        } else if (message.kind === 'failed') {
          clearTimeout(timer);
          fail(new Error(`observer failed: ${message.error}`));
        }
      });
    });
    obs.child.send({
      kind: 'start',
      brokers: sys.brokers,
      topics: ALL_TOPICS.map((topic) => `${sys.topicPrefix}${topic}`),
      groupId: `${sys.topicPrefix}bench-observer`,
      partitionsConsumedConcurrently: partitions,
    });
    await observerReady;
    const collect = async (): Promise<void> => {
      const batch = await obs.request<{ kind: 'collect'; requestId: number }>(
        { kind: 'collect' },
        30_000,
      );
      if (batch.kind === 'observed') events.add(batch);
    };

    const runServices = [
      ...SERVICES.map((name) => sys.services[name]),
      ...(sys.orchestrator === undefined ? [] : [sys.orchestrator]),
    ];
    const serviceNames = runServices.map((service) => service.name);
    // The saga database has an outbox only when the orchestrator runs (orchestration mode).
    const sagaDatabase = (sys.databases as Record<string, string | undefined>)['saga'];
    const serviceDatabases: Record<string, string> = {
      orders: sys.databases.orders,
      payments: sys.databases.payments,
      fulfillment: sys.databases.fulfillment,
      ...(mode === 'orchestration' && sagaDatabase !== undefined ? { saga: sagaDatabase } : {}),
    };
    const lagSamplers = new Samplers(
      sys.brokers,
      serviceNames
        .filter((name) => name !== 'payment-provider-sim')
        .map((name) => ({ name, groupId: `${sys.topicPrefix}${name}.saga` })),
      serviceDatabases,
    );
    samplers = lagSamplers;
    await lagSamplers.start();
    const pgAdmin = new Client({ connectionString: endpoints.postgres.urls.orders });
    await pgAdmin.connect();
    closers.push(() => pgAdmin.end());

    const processes: ProcessSet = {
      services: Object.fromEntries(
        runServices.map((service) => [
          service.name,
          { url: service.url, pid: service.process.pid },
        ]),
      ),
      postgres: async () => {
        const result = await pgAdmin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
           WHERE datname = ANY($1::text[]) OR backend_type <> 'client backend'`,
          [Object.values(sys.databases).map((url) => new URL(url).pathname.slice(1))],
        );
        return result.rows.map((row) => row.pid);
      },
      transactions: async () => {
        const names = Object.entries(serviceDatabases).map(
          ([service, url]) => [new URL(url).pathname.slice(1), service] as const,
        );
        const result = await pgAdmin.query<{ datname: string; n: string }>(
          `SELECT datname, xact_commit + xact_rollback AS n FROM pg_stat_database
           WHERE datname = ANY($1::text[])`,
          [names.map(([db]) => db)],
        );
        const byDb = new Map(names);
        return Object.fromEntries(
          result.rows.map((row) => [byDb.get(row.datname) ?? row.datname, Number(row.n)]),
        );
      },
      kafka: kafkaStatus.pid,
      redis: redisStatus.pid,
      bench: [generator.child.pid, obs.child.pid],
    };

    // 3. Load phases.
    const ordersUrl = `${sys.ordersUrl}/orders`;
    let seq = 0;
    /**
     * Waits until every saga in `ids` has an outcome, the deadline passes, or nothing finished
     * for STALL_MS (a stuck pipeline does not get better by waiting). Returns when it stopped.
     */
    const waitForOutcomes = async (ids: readonly string[], deadline: number): Promise<number> => {
      let open = Number.POSITIVE_INFINITY;
      let progressAt = epochNow();
      for (;;) {
        await collect();
        const stillOpen = ids.filter((id) => events.outcome(id) === undefined).length;
        if (stillOpen < open) progressAt = epochNow();
        open = stillOpen;
        if (open === 0 || epochNow() > deadline) return epochNow();
        if (epochNow() - progressAt > STALL_MS) {
          progress(`  no saga finished for ${STALL_MS / 1_000} s; ${open} still open`);
          return epochNow();
        }
        await sleep(250);
      }
    };
    const runPhase = async (spec: PhaseSpec): Promise<PhaseResult> => {
      const before = await takeSnapshot(processes);
      let load: GeneratorResult;
      let startAt: number;
      if (spec.kind === 'open') {
        startAt = epochNow() + 100;
        load = await generator.request<OpenLoopCommand>(
          {
            kind: 'open',
            url: ordersUrl,
            rate: spec.rate,
            durationMs: spec.durationMs,
            startAt,
            firstSeq: seq,
            mix: MIX,
            timeoutMs: REQUEST_TIMEOUT_MS,
          },
          spec.durationMs + REQUEST_TIMEOUT_MS + 30_000,
        );
        if (load.kind !== 'open-done') throw new Error('load generator: unexpected answer');
        seq += load.status.length;
      } else {
        startAt = epochNow();
        load = await generator.request<ClosedLoopCommand>(
          {
            kind: 'closed',
            url: ordersUrl,
            count: spec.count,
            warmup: 0,
            firstSeq: seq,
            mix: { ...MIX, declineEvery: 0 },
            expectStatus: 201,
            collectIds: true,
            timeoutMs: REQUEST_TIMEOUT_MS,
            paceMs: SEQUENTIAL_PACE_MS,
          },
          spec.count * (REQUEST_TIMEOUT_MS + SEQUENTIAL_PACE_MS),
        );
        if (load.kind !== 'closed-done') throw new Error('load generator: unexpected answer');
        seq += spec.count;
      }
      const loadEnd = spec.kind === 'open' ? startAt + spec.durationMs : epochNow();
      const atLoadEnd = cpuNow(processes);
      const ids = load.orderIds.filter((id) => id !== '');
      const drainedAt = await waitForOutcomes(
        ids,
        Math.min(epochNow() + DRAIN_TIMEOUT_MS, STARTED + LOAD_BUDGET_MS + 60_000),
      );
      const after = await takeSnapshot(processes);
      const result = analyzePhase({
        spec,
        load,
        startAt,
        loadEnd,
        drainedAt,
        events,
        samplers: lagSamplers,
        mode,
        services: serviceNames,
        idle,
        before,
        atLoadEnd,
        after,
      });
      const lagMax = Math.max(0, ...Object.values(result.backlog.lag).map((l) => l.max));
      const outboxMax = Math.max(0, ...Object.values(result.backlog.outbox).map((l) => l.max));
      progress(
        `${spec.name.padEnd(14)} ${String(result.created).padStart(5)}/${result.requests} created` +
          ` | POST p50 ${fmt(result.post.p50)} p99 ${fmt(result.post.p99)} ms` +
          ` | saga p50 ${fmt(result.sagaFulfilled.p50)} p99 ${fmt(result.sagaFulfilled.p99)} ms` +
          ` | ${result.throughput.sagasInWindow.toFixed(0)} sagas/s` +
          ` | lag ≤${lagMax}, outbox ≤${outboxMax}` +
          ` | CPU ${(result.cpu.machineUtilization * 100).toFixed(0)}%, ${fmt(result.cpu.servicesMsPerSaga)} ms/saga` +
          (result.correctness.missing.length > 0
            ? ` | ${result.correctness.missing.length} unfinished`
            : '') +
          (result.errors > 0 ? ` | ${result.errors} errors` : '') +
          (result.spec.kind === 'open' && result.spec.role !== 'warmup' && !result.keepsUp
            ? ` | past the knee: ${result.kneeReasons.join('; ')}`
            : ''),
      );
      return result;
    };

    const rates = args.rates.split(',').map(Number);
    if (rates.some((r) => !Number.isFinite(r) || r <= 0))
      throw new Error(`--rates must be positive numbers, got ${args.rates}`);
    const plan = phasePlan(
      args.quick,
      !args['no-steps'],
      rates,
      args.seconds === '' ? undefined : Number(args.seconds),
    );
    const phases: PhaseResult[] = [];
    let stopped: string | undefined;
    // Fixed rates always run (the targets are stated at them), each followed by a drain. The
    // step ladder runs only if every fixed rate kept up; otherwise one step between the highest
    // rate that kept up and the lowest that did not narrows the knee.
    let idle: Record<string, number> | undefined;
    /** What the running system costs with no load at all: CPU cores per process group. */
    const measureIdle = async (): Promise<Record<string, number>> => {
      const before = await takeSnapshot(processes);
      await sleep(IDLE_MS);
      const after = await takeSnapshot(processes);
      const cores = cpuDelta(before, after);
      for (const key of Object.keys(cores))
        cores[key] = (cores[key] ?? 0) / ((after.at - before.at) / 1_000);
      progress(
        `idle (no load) for ${IDLE_MS / 1_000} s: services ${serviceNames.map((s) => `${s} ${pctOfCore(cores[s])}`).join(', ')}; PostgreSQL ${pctOfCore(cores['postgres'])}, Kafka ${pctOfCore(cores['kafka'])} of a core`,
      );
      return cores;
    };
    const queue = [...plan.fixed];
    let lastKeptUp = 0;
    let firstMissed = Number.POSITIVE_INFINITY;
    for (let spec = queue.shift(); spec !== undefined; spec = queue.shift()) {
      const needed = spec.durationMs + 20_000;
      if (epochNow() + needed > STARTED + LOAD_BUDGET_MS) {
        stopped = `time budget: skipped ${spec.name} and later phases`;
        progress(stopped);
        break;
      }
      const result = await runPhase(spec);
      phases.push(result);
      if (spec.role === 'warmup' && idle === undefined) idle = await measureIdle();
      if (result.correctness.missing.length > 0) {
        // Sagas still unfinished after the drain: later phases would measure this backlog
        // (or a stalled pipeline, e.g. a dead consumer), not the rate they offer.
        stopped = `stopped after ${spec.name}: ${result.correctness.missing.length} sagas unfinished after the drain`;
        progress(stopped);
        break;
      }
      if (spec.kind !== 'open' || spec.role === 'warmup') {
        if (queue.length === 0 && spec.role !== 'step') queue.push(...nextSteps());
        continue;
      }
      if (result.keepsUp) lastKeptUp = Math.max(lastKeptUp, spec.rate);
      else firstMissed = Math.min(firstMissed, spec.rate);
      if (spec.role === 'step' && !result.keepsUp) break;
      if (queue.length === 0 && spec.role === 'fixed') queue.push(...nextSteps());
    }
    function nextSteps(): PhaseSpec[] {
      if (args['no-steps']) return [];
      if (firstMissed === Number.POSITIVE_INFINITY) return plan.steps;
      const between = Math.round((lastKeptUp + firstMissed) / 2 / 25) * 25;
      const template = plan.steps[0];
      if (template === undefined || between <= lastKeptUp || between >= firstMissed) return [];
      return [{ ...template, name: `step ${between}/s`, rate: between }];
    }

    // 4. Correctness over the whole run: every order created reached one terminal outcome.
    progress('final check: every order terminal exactly once (topic) and in the orders database');
    const allIds = [...events.orders.keys()];
    // Bounded so the whole run, stop included, stays under 10 minutes.
    await waitForOutcomes(
      allIds,
      Math.min(epochNow() + DRAIN_TIMEOUT_MS, STARTED + LOAD_BUDGET_MS + 90_000),
    );
    await sleep(1_500); // a late duplicate outcome would surface here
    await collect();
    const final = await finalChecks(sys, events, phases);
    await lagSamplers.stop();
    samplers = undefined;

    const report: BenchReport = {
      startedAt: new Date(STARTED).toISOString(),
      durationS: (epochNow() - STARTED) / 1_000,
      label: args.label,
      quick: args.quick,
      machine,
      versions,
      postgresSettings: pg,
      config: {
        isolation: 'per-run',
        mode,
        services: serviceNames,
        partitions,
        serviceEnv,
        mix: { skus: SKUS.length, declineEvery: MIX.declineEvery },
        drainTimeoutMs: DRAIN_TIMEOUT_MS,
      },
      floors,
      idleCores: idle ?? null,
      phases,
      knee:
        phases
          .filter((p) => p.spec.kind === 'open' && p.spec.role !== 'warmup' && !p.keepsUp)
          .sort((a, b) => a.spec.rate - b.spec.rate)[0]?.spec.name ?? null,
      stoppedEarly: stopped ?? null,
      final,
      samplerFailures: lagSamplers.failedSamples,
      samplerError: lagSamplers.lastError ?? null,
    };
    writeResults(report);
    return final.ok ? 0 : 1;
  } finally {
    progress('stopping what the benchmark started (services, helpers; the stack stays up)');
    await samplers?.stop().catch(() => undefined);
    for (const close of closers) await close().catch(() => undefined);
    await observer?.exit().catch(() => undefined);
    for (const helper of helpers) await helper.exit().catch(() => undefined);
    await system
      ?.stop()
      .catch((error: unknown) => progress(`stopping the services failed: ${String(error)}`));
    if (system !== undefined) await deleteGroups(system.brokers, system.topicPrefix);
  }
}

/**
 * The launcher deletes the run's topics and databases but not its consumer groups (the services'
 * and the observer's); they would linger on the shared broker until their offsets expire.
 */
async function deleteGroups(brokers: string[], prefix: string): Promise<void> {
  if (prefix === '') return;
  const admin = new Kafka({
    clientId: 'bench-cleanup',
    brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const { groups } = await admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
    if (ours.length > 0) await admin.deleteGroups(ours);
  } catch {
    // Best effort: an empty group also expires on its own.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function finalChecks(
  sys: SagaSystem,
  events: SagaEvents,
  phases: readonly PhaseResult[],
): Promise<FinalChecks> {
  let orders = 0;
  let noOutcome = 0;
  let doubleOutcome = 0;
  let redeliveredOutcomes = 0;
  const stuck: string[] = [];
  for (const [id, trail] of events.orders) {
    if (trail.first.OrderCreated === undefined) continue;
    orders++;
    const distinct = events.distinctOutcomes(id);
    if (distinct === 0) {
      noOutcome++;
      if (stuck.length < 20) stuck.push(id);
    }
    if (distinct > 1) doubleOutcome++;
    redeliveredOutcomes += trail.outcomes.length - distinct;
  }
  const client = new Client({ connectionString: sys.databases.orders });
  await client.connect();
  const byStatus: Record<string, number> = {};
  try {
    const result = await client.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status',
    );
    for (const row of result.rows) byStatus[row.status] = Number(row.n);
  } finally {
    await client.end();
  }
  const stuckDetails: Array<{ id: string; status: string; steps: string }> = [];
  for (const id of stuck.slice(0, 5)) {
    const response = await fetch(`${sys.ordersUrl}/orders/${id}`).catch(() => undefined);
    const body = (await response?.json().catch(() => undefined)) as
      | { status?: string; steps?: Array<{ name: string; status: string; attempts: number }> }
      | undefined;
    stuckDetails.push({
      id,
      status: body?.status ?? `HTTP ${response?.status ?? 'error'}`,
      steps: (body?.steps ?? []).map((s) => `${s.name}:${s.status}×${s.attempts}`).join(' '),
    });
  }
  const logs: Record<string, Record<string, number>> = {};
  const running = [
    ...SERVICES.map((name) => sys.services[name]),
    ...(sys.orchestrator === undefined ? [] : [sys.orchestrator]),
  ];
  for (const { name, logFile } of running) {
    const counts: Record<string, number> = {};
    try {
      for (const line of readFileSync(logFile, 'utf8').split('\n')) {
        if (!line.includes('"level":"warn"') && !line.includes('"level":"error"')) continue;
        const level = line.includes('"level":"error"') ? 'error' : 'warn';
        const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? '(no msg)';
        counts[`${level} ${msg}`] = (counts[`${level} ${msg}`] ?? 0) + 1;
      }
    } catch {
      counts['(log unreadable)'] = 1;
    }
    logs[name] = counts;
  }
  const nonTerminal = Object.entries(byStatus)
    .filter(([status]) => !['FULFILLED', 'CANCELLED', 'COMPENSATION_FAILED'].includes(status))
    .reduce((sum, [, n]) => sum + n, 0);
  const dbOrders = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const ok =
    noOutcome === 0 &&
    doubleOutcome === 0 &&
    nonTerminal === 0 &&
    dbOrders === orders &&
    events.deadLetters.length === 0 &&
    phases.every((p) => p.correctness.wrongOutcomes === 0);
  return {
    ok,
    ordersSeen: orders,
    ordersInDatabase: dbOrders,
    byStatus,
    noOutcome,
    doubleOutcome,
    redeliveredOutcomes,
    wrongOutcomes: phases.reduce((sum, p) => sum + p.correctness.wrongOutcomes, 0),
    deadLetters: events.deadLetters.slice(0, 50),
    deadLetterCount: events.deadLetters.length,
    stuck: stuckDetails,
    unknownTypes: events.unknownTypes,
    logs,
  };
}

function writeResults(report: BenchReport): void {
  mkdirSync(args.out, { recursive: true });
  const stamp = report.startedAt.slice(0, 16).replace(':', '');
  const base = join(args.out, `${stamp}${args.quick ? '-quick' : ''}`);
  const markdown = renderReport(report);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, jsonNumbers, 2)}\n`);
  writeFileSync(`${base}.md`, markdown);
  console.log(`\n${markdown}`);
  progress(`results: ${base}.json, ${base}.md`);
}

/** NaN and Infinity are not JSON: write null. Typed arrays never reach the report. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

main().then(
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
