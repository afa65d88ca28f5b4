// The fault matrix: per saga mode, one system (services as separate processes) on a private
// broker, a private Redis and a database proxy, so faults never touch the shared stack; then one
// scenario after another, each under steady load, each ending with its ledger.
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { TERMINAL, getStock, http, setStock, type OrderView } from '../system/orders-api.ts';
import { startPrivateRedis } from '../system/redis-server.ts';
import { startSagaSystem } from '../system/saga-system.ts';
import { waitFor } from '../system/wait.ts';
import { resolveStackEndpoints } from '../stack/endpoints.ts';
import { formatLedger, ledgerProblems, takeLedger, type Ledger } from './ledger.ts';
import { startPrivateKafka } from './private-kafka.ts';
import {
  FAULT_SCENARIOS,
  type FaultOutcome,
  type FaultScenario,
  type FaultTargets,
  type SagaMode,
} from './scenarios.ts';
import { steadyLoad, type LoadOptions, type LoadResult } from './steady-load.ts';
import { startTcpProxy } from './tcp-proxy.ts';

export interface MatrixOptions {
  readonly modes: readonly SagaMode[];
  /** Scenario names; default all (each in the modes it applies to). */
  readonly scenarios?: readonly string[];
  /** Orders per second, and for how long, around each fault. */
  readonly ratePerSecond?: number;
  readonly loadMs?: number;
  /** When the fault starts, after the load did. */
  readonly faultAtMs?: number;
  readonly progress?: (line: string) => void;
}

export interface ScenarioResult {
  readonly mode: SagaMode;
  readonly scenario: string;
  readonly ledger: Ledger;
  /** Guarantees the ledger or the scenario's own checks found broken; empty when all held. */
  readonly problems: readonly string[];
  readonly load: Pick<LoadResult, 'refused' | 'unanswered'>;
  readonly tookMs: number;
}

const SKU = 'SKU-FAULTS';
// What POST /orders may answer while a fault lasts: its database unreachable, the service booting
// again after a kill (ADR 0015), or shedding load behind a backlog. Anything else (a 500) is a bug.
const ANSWERS_TO_A_FAULT = new Set([
  '503 SERVICE.DATABASE_UNAVAILABLE',
  '503 SERVICE.STARTING',
  '503 SERVICE.OVERLOADED',
]);
const ROOT = resolve(import.meta.dirname, '../..');

export function scenariosFor(mode: SagaMode, names?: readonly string[]): FaultScenario[] {
  return FAULT_SCENARIOS.filter(
    (scenario) =>
      (scenario.modes ?? ['choreography', 'orchestration']).includes(mode) &&
      (names === undefined || names.includes(scenario.name)),
  );
}

/** Runs the scenarios of every mode; resolves with one result per mode and scenario. */
export async function runFaultMatrix(options: MatrixOptions): Promise<ScenarioResult[]> {
  const progress = options.progress ?? (() => undefined);
  const unknown = (options.scenarios ?? []).filter(
    (name) => !FAULT_SCENARIOS.some((scenario) => scenario.name === name),
  );
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  const endpoints = resolveStackEndpoints(process.env);
  const logDir = join(ROOT, '.stack', 'test-logs', `faults-${Date.now()}`);
  progress('starting a private broker, a private Redis and the database proxy…');
  const kafka = await startPrivateKafka('faults');
  const redis = await startPrivateRedis(join(ROOT, '.stack', `faults-redis-${process.pid}.log`));
  const database = await startTcpProxy('127.0.0.1', endpoints.ports.pg);
  const results: ScenarioResult[] = [];
  try {
    for (const mode of options.modes) {
      const scenarios = scenariosFor(mode, options.scenarios);
      if (scenarios.length === 0) continue;
      progress(`[${mode}] starting the services…`);
      const system = await startSagaSystem(`faults-${mode.slice(0, 5)}`, {
        mode,
        brokers: kafka.brokers,
        routeDatabase: (url) => database.route(url),
        env: {
          'orders-service': { REDIS_URL: redis.url },
          'payments-adapter': { REDIS_URL: redis.url },
        },
        logDir: join(logDir, mode),
      });
      try {
        await setStock(system.fulfillmentUrl, SKU, 1_000_000);
        for (const scenario of scenarios) {
          const result = await runScenario({ system, kafka, redis, database }, mode, scenario, {
            ...options,
            progress,
          });
          results.push(result);
          const verdict = result.problems.length === 0 ? 'ok' : result.problems.join('; ');
          progress(
            `[${mode}] ${scenario.name}: ${result.ledger.accepted} accepted, ${result.ledger.stuck.length} stuck, recovery ${seconds(result.ledger.recoveryMs)}: ${verdict}`,
          );
        }
      } finally {
        await system.stop();
      }
    }
  } finally {
    await database.stop();
    await redis.stop();
    await kafka.stop();
  }
  return results;
}

async function runScenario(
  targets: FaultTargets,
  mode: SagaMode,
  scenario: FaultScenario,
  options: MatrixOptions & { progress: (line: string) => void },
): Promise<ScenarioResult> {
  const { system } = targets;
  const started = performance.now();
  const since = Date.now();
  const rate = options.ratePerSecond ?? 12;
  const loadMs = options.loadMs ?? 5_000;
  const faultAtMs = options.faultAtMs ?? 1_500;
  const say = (line: string): void => options.progress(`[${mode}] ${scenario.name}: ${line}`);
  const load: LoadOptions = {
    ordersUrl: system.ordersUrl,
    ratePerSecond: rate,
    durationMs: loadMs,
    sku: SKU,
    customerPrefix: `${scenario.name}-${mode}-${system.runId}`,
    idempotencyKeys: true,
  };
  say(
    `${scenario.description}; ${rate} orders/s for ${seconds(loadMs)}, fault at ${seconds(faultAtMs)}`,
  );
  const stockBefore = await getStock(system.fulfillmentUrl, SKU);
  const created = new Map<number, string>();
  const loading = steadyLoad(load, created);
  const fault: Promise<FaultOutcome> = (async () => {
    await new Promise((resolveWait) => setTimeout(resolveWait, faultAtMs));
    return scenario.inject({ ...targets, mode, load, created, progress: say });
  })();
  // Both settle before either is awaited: a failing fault must not leave the load unobserved.
  const [loadResult, outcome] = await Promise.allSettled([loading, fault]);
  if (loadResult.status === 'rejected') throw loadResult.reason;
  if (outcome.status === 'rejected') throw outcome.reason;
  // What the system holds, not only what the client heard: a service killed mid-request may
  // have committed an order whose 201 never left. Those must settle like the others.
  const answered = new Set(loadResult.value.accepted);
  const accepted = await ordersOf(system.databases.orders, load.customerPrefix);
  const unheard = accepted.filter((id) => !answered.has(id)).length;
  say(`fault over; waiting for ${accepted.length} orders to settle…`);
  const settledAt = await waitFor(
    `the ${accepted.length} orders of ${scenario.name} to settle`,
    async () => {
      for (const id of accepted) {
        const { status, body } = await http<OrderView>(`${system.ordersUrl}/orders/${id}`);
        if (status !== 200 || !TERMINAL.includes(body.status)) return undefined;
      }
      return performance.now();
    },
    120_000,
    200,
  ).catch(() => undefined);
  const refused = Object.entries(loadResult.value.refused).map(([why, n]) => `${n} x ${why}`);
  const ledger = await takeLedger(
    system,
    `${scenario.name} (${mode})`,
    accepted,
    settledAt === undefined ? undefined : Math.max(0, settledAt - outcome.value.endedAt),
    [
      ...outcome.value.notes,
      ...(refused.length > 0 ? [`refused: ${refused.join(', ')}`] : []),
      ...(loadResult.value.unanswered > 0 ? [`unanswered: ${loadResult.value.unanswered}`] : []),
      ...(unheard > 0 ? [`${unheard} created although their client got no answer`] : []),
    ],
    {
      since,
      ...(outcome.value.expectedDeadLetterKeys === undefined
        ? {}
        : { expectedDeadLetterKeys: outcome.value.expectedDeadLetterKeys }),
    },
  );
  const problems = [...ledgerProblems(ledger), ...((await outcome.value.verify?.()) ?? [])];
  const { expectCopies, maxCopies } = outcome.value;
  if (expectCopies !== undefined && ledger.maxCopiesPerEvent < expectCopies)
    problems.push(
      `expected duplicates on the wire, saw at most ${ledger.maxCopiesPerEvent} copies`,
    );
  if (maxCopies !== undefined && ledger.maxCopiesPerEvent > maxCopies)
    problems.push(`an event was published ${ledger.maxCopiesPerEvent} times`);
  if (outcome.value.expectedDeadLetterKeys !== undefined && ledger.deadLetters === 0)
    problems.push('the poison record never reached a dead-letter topic');
  if (accepted.length === 0) problems.push('no order was accepted');
  // A refusal is an answer the client can act on: every 503 and 409 says when to retry.
  if (loadResult.value.refusedWithoutRetryAfter > 0)
    problems.push(`${loadResult.value.refusedWithoutRetryAfter} refusals without Retry-After`);
  const unexpected = Object.keys(loadResult.value.refused).filter(
    (why) => !ANSWERS_TO_A_FAULT.has(why),
  );
  if (unexpected.length > 0) problems.push(`refused with ${unexpected.join(', ')}`);
  // The stock row agrees with the reservation rows: one unit per fulfilled order, no more.
  const stockAfter = await getStock(system.fulfillmentUrl, SKU);
  const fulfilled = ledger.byState['FULFILLED'] ?? 0;
  const reserved = stockAfter.reserved - stockBefore.reserved;
  const taken = stockBefore.available - stockAfter.available;
  if (reserved !== fulfilled || taken !== fulfilled)
    problems.push(
      `stock moved by ${taken} available / ${reserved} reserved for ${fulfilled} fulfilled orders`,
    );
  return {
    mode,
    scenario: scenario.name,
    ledger,
    problems,
    load: { refused: loadResult.value.refused, unanswered: loadResult.value.unanswered },
    tookMs: performance.now() - started,
  };
}

/** Ids of the orders a scenario's load created (its customers share the prefix). */
async function ordersOf(databaseUrl: string, customerPrefix: string): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      'SELECT id FROM orders WHERE starts_with(customer_id, $1) ORDER BY created_at',
      [`${customerPrefix}-`],
    );
    return rows.map((row) => row.id);
  } finally {
    await client.end();
  }
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;
}

function maxKey(counts: Readonly<Record<number, number>>): number {
  return Math.max(0, ...Object.keys(counts).map(Number));
}

/** One line per scenario: the numbers a reviewer checks first. */
export function formatMatrix(results: readonly ScenarioResult[]): string {
  const header = [
    'mode',
    'scenario',
    'accepted',
    'terminal',
    'stuck',
    'charges/order',
    'refunds/order',
    'reserv./order',
    'copies/event',
    'DLT (expected)',
    'recovery',
    'verdict',
  ];
  const rows = results.map((r) => {
    const { ledger } = r;
    const terminal = Object.entries(ledger.byState)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
    const charges = Object.keys(ledger.chargesPerOrder).map(Number);
    return [
      r.mode,
      r.scenario,
      String(ledger.accepted),
      terminal,
      String(ledger.stuck.length),
      `${Math.min(...charges)}-${Math.max(...charges)}`,
      `<= ${maxKey(ledger.refundsPerOrder)}`,
      `<= ${maxKey(ledger.reservationsPerOrder)}`,
      `<= ${ledger.maxCopiesPerEvent}`,
      `${ledger.deadLetters} (${ledger.deadLetters - ledger.unexpectedDeadLetters})`,
      seconds(ledger.recoveryMs),
      r.problems.length === 0 ? 'ok' : `FAIL: ${r.problems.join('; ')}`,
    ];
  });
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Every scenario's full ledger, for a log. */
export function formatLedgers(results: readonly ScenarioResult[]): string {
  return results.map((r) => formatLedger(r.ledger)).join('\n\n');
}
