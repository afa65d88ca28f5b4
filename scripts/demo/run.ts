// `npm run demo`, after scripts/demo.sh has installed, built and brought the stack up: starts the
// four services as separate processes on fixed ports against the stack's own databases and topics,
// sends orders down every saga path, and prints how each one ended and why.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import { redactUrl, resolveStackEndpoints } from '../stack/endpoints.ts';
import { SHARED_CONSUMER_GROUPS, assertGroupsUnused } from '../system/consumer-groups.ts';
import {
  TERMINAL,
  getOrder,
  getStock,
  providerRecords,
  setStock,
  type OrderView,
} from '../system/orders-api.ts';
import {
  startSagaSystem,
  type ProcessName,
  type RunningService,
  type SagaSystem,
} from '../system/saga-system.ts';
import { waitFor } from '../system/wait.ts';
import { waitForTrace } from '../system/traces.ts';
import {
  DemoError,
  PORT_SETTINGS,
  assertPortsFree,
  loadDemoConfig,
  type DemoConfig,
} from './config.ts';
import { place, sagaMs, settle, type TrackedOrder } from './drive.ts';
import { finalState, renderNextSteps, renderOrder, renderRush, type TraceLinks } from './report.ts';
import { OUTAGE, runOutage, type OutageOutcome } from './outage.ts';
import {
  FULFILLED,
  REFUNDED_OUT_OF_STOCK,
  RUSH,
  SCENARIOS,
  STOCK,
  TIMED_OUT,
  mismatches,
} from './scenarios.ts';
import {
  bad,
  columns,
  duration,
  heading,
  ok,
  padEnd,
  padStart,
  paint,
  plural,
  since,
} from './terminal.ts';

const USAGE = `usage: npm run demo [-- --keep | --help]

Installs what is missing, builds, brings the native stack up (PostgreSQL, Redis, Kafka), starts
orders-service, payments-adapter, fulfillment-service and payment-provider-sim as separate
processes, sends orders down each saga path (approved, declined, out of stock and refunded, and a
rush of concurrent orders for scarce stock, a refund the provider refuses, orders placed during a
payment provider outage, and an order whose deadline passes while the provider is down) and
prints each order's final state and timeline.

Environment:
${PORT_SETTINGS.map((s) => `  ${s.variable.padEnd(27)} port of ${s.service.padEnd(21)} (default ${s.fallback})`).join('\n')}
${PORT_SETTINGS.map((s) => `  ${s.adminVariable.padEnd(27)} admin port of ${s.service.padEnd(15)} (default ${s.adminFallback})`).join('\n')}
  DEMO_DEADLINE_MS            how long an order may take to end as expected (default 30000)
  DEMO_SAGA_MODE              choreography (default) or orchestration (adds saga-orchestrator)
  NO_COLOR                    no colours

At the end, with a terminal on stdin the services keep running until Ctrl-C; otherwise (CI) they
are stopped. --keep keeps them running until Ctrl-C (or SIGTERM) in every case, also after an
order that did not end as expected, to look around. Either way the stack stays up:
\`npm run stack -- down\` stops it. Exit status 1 if any order did not end as expected within
the deadline.`;

// Fixed like the participants' ports (PORT_SETTINGS), so the URL printed stays the same.
const ORCHESTRATOR_PORT = 7083;
const EXIT_FAILED = 1;
const EXIT_INTERRUPTED = 130;
const PROGRESS_EVERY_MS = 3_000;
// Wide enough for the longest final state, "CANCELLED OUT_OF_STOCK", and a gap.
const STATE_WIDTH = 28;

/** Why the demo stops early: Ctrl-C (or SIGTERM), or a service process that died. */
class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

const stopSignal = new AbortController();
let running: SagaSystem | undefined;

function onSignal(signal: NodeJS.Signals): void {
  if (stopSignal.signal.aborted) {
    // Second Ctrl-C: do not wait for graceful shutdowns any more.
    for (const service of Object.values(running?.services ?? {})) service.process.kill('SIGKILL');
    console.error(`\n${bad('killed the services')}`);
    process.exit(EXIT_INTERRUPTED);
  }
  stopSignal.abort(new Interrupted(`interrupted (${signal})`));
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

function shown(path: string): string {
  return relative(process.cwd(), path) || '.';
}

/** Prints a line every few seconds while `work` runs, so a slow step never looks stuck. */
async function withProgress<T>(what: string, work: Promise<T>): Promise<T> {
  const started = Date.now();
  const timer = setInterval(
    () => console.log(paint.dim(`  … ${what} ${since(started)}`)),
    PROGRESS_EVERY_MS,
  );
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** Services the demo stops on purpose (the timed-out order's provider outage). */
const plannedOutages = new Set<ProcessName>();

/** A service that exits on its own stops the demo: every later wait would only time out. */
function watchForCrashes(system: SagaSystem): void {
  for (const service of Object.values(system.services)) watchService(service);
  if (system.orchestrator !== undefined) watchService(system.orchestrator);
}

function watchService(service: RunningService): void {
  service.process.once('exit', (code, signal) => {
    // Ctrl-C reaches the services too (same process group); let our own handler win the race.
    setTimeout(() => {
      if (stopSignal.signal.aborted || plannedOutages.has(service.name)) return;
      const how = signal === null ? `with status ${code ?? '?'}` : `on ${signal}`;
      stopSignal.abort(
        new DemoError(`${service.name} exited ${how}; see ${shown(service.logFile)}`),
      );
    }, 300);
  });
}

/** The services join the stack's own consumer groups: nobody else may be in them. */
async function assertSharedGroupsUnused(): Promise<void> {
  let announced = -PROGRESS_EVERY_MS;
  try {
    await assertGroupsUnused(
      resolveStackEndpoints(process.env).kafka.brokers,
      SHARED_CONSUMER_GROUPS,
      (members, waitedMs) => {
        if (waitedMs - announced < PROGRESS_EVERY_MS) return;
        announced = waitedMs;
        const groups = [...new Set(members.map((m) => m.group))].join(', ');
        console.log(
          paint.dim(`  … waiting for an earlier member to leave ${groups} ${duration(waitedMs)}`),
        );
      },
    );
  } catch (error) {
    throw new DemoError(error instanceof Error ? error.message : String(error));
  }
}

async function startServices(config: DemoConfig): Promise<SagaSystem> {
  heading('Services');
  await assertPortsFree(config);
  await assertSharedGroupsUnused();
  rmSync(config.logDir, { recursive: true, force: true });
  const started = Date.now();
  const system = await withProgress(
    'starting services',
    startSagaSystem('demo', {
      mode: config.mode,
      isolation: 'shared',
      // The orchestrator (orchestration mode only) at the port the README's service table shows.
      ports: { ...config.ports, 'saga-orchestrator': ORCHESTRATOR_PORT },
      adminPorts: { ...config.adminPorts, 'saga-orchestrator': ORCHESTRATOR_PORT + 100 },
      logDir: config.logDir,
      // A quick sweeper, so the timed-out order is given up close to its 2 s deadline.
      env: {
        'orders-service': { SAGA_SWEEP_INTERVAL_MS: '250' },
        'saga-orchestrator': { SAGA_SWEEP_INTERVAL_MS: '250' },
      },
    }),
  );
  running = system;
  watchForCrashes(system);
  const processes = [
    ...PORT_SETTINGS.map(({ service }) => [service, system.services[service]] as const),
    ...(system.orchestrator === undefined
      ? []
      : [['saga-orchestrator', system.orchestrator] as const]),
  ];
  const rows = processes.map(([service, s]) => {
    return [
      service,
      s.url,
      paint.dim(`admin ${s.adminUrl}`),
      paint.dim(`pid ${s.process.pid ?? '?'}`),
      shown(s.logFile),
    ];
  });
  for (const line of columns(rows)) console.log(`  ${line}`);
  console.log(
    `  ${ok(`ready in ${since(started)}`)} ${paint.dim('(separate Node processes, the stack’s own databases and topics)')}`,
  );
  return system;
}

async function stockShelves(system: SagaSystem): Promise<void> {
  await Promise.all(
    Object.entries(STOCK).map(([sku, available]) =>
      setStock(system.fulfillmentUrl, sku, available),
    ),
  );
  const shelf = Object.entries(STOCK).map(([sku, n]) => `${sku} ${n.toLocaleString('en')}`);
  console.log(`  stock set: ${shelf.join(' · ')}`);
}

interface Outcome {
  readonly singles: TrackedOrder[];
  readonly rush: TrackedOrder[];
  timedOut?: TrackedOrder;
  outage?: OutageOutcome;
}

async function waitForOrder(
  system: SagaSystem,
  tracked: TrackedOrder,
  what: string,
  done: (order: OrderView) => boolean,
  timeoutMs: number,
): Promise<void> {
  try {
    await waitFor(
      what,
      async () => {
        stopSignal.signal.throwIfAborted();
        const { status, body } = await getOrder(system.ordersUrl, tracked.id);
        if (status === 200) tracked.order = body;
        return status === 200 && done(body) ? true : undefined;
      },
      timeoutMs,
      100,
    );
  } catch (error) {
    if (stopSignal.signal.aborted) throw stopSignal.signal.reason;
    throw new DemoError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The timed-out order, alone: the payment provider is stopped for longer than the order's
 * deadline, so the saga gives up (CANCELLED, DEADLINE_EXCEEDED); once the provider is back, the
 * charge it makes arrives late and is refunded, and the order stays CANCELLED.
 */
async function sendTimedOut(
  system: SagaSystem,
  config: DemoConfig,
  run: string,
): Promise<TrackedOrder> {
  heading('A provider outage longer than the saga deadline');
  const provider = system.services['payment-provider-sim'];
  plannedOutages.add(provider.name);
  await system.kill(provider.name);
  const tracked = await place(
    system.ordersUrl,
    TIMED_OUT.key,
    TIMED_OUT.request,
    TIMED_OUT.expect,
    `demo-${run}-${TIMED_OUT.key}`,
  );
  console.log(
    `  payment-provider-sim stopped; order ${tracked.id.slice(0, 8)} sent with a ${TIMED_OUT.request.deadlineSeconds ?? '?'} s deadline`,
  );
  await waitForOrder(
    system,
    tracked,
    `order ${tracked.id} to be given up at its deadline`,
    (o) => TERMINAL.includes(o.status),
    config.deadlineMs,
  );
  console.log(
    `  ${ok(`${finalState(tracked.order)}`)} at its deadline; starting payment-provider-sim again`,
  );
  await system.start(provider.name);
  plannedOutages.delete(provider.name);
  watchService(provider);
  await waitForOrder(
    system,
    tracked,
    `the late charge of order ${tracked.id} to be refunded`,
    (o) => o.steps.some((step) => step.name === 'refund' && step.status === 'SUCCEEDED'),
    config.deadlineMs,
  );
  tracked.records = await providerRecords(system.providerUrl, tracked.id);
  tracked.settled = true;
  const fine = mismatches(tracked.order, tracked.records, tracked.expect).length === 0;
  console.log(
    `  ${fine ? paint.green('✓') : paint.red('✗')} the provider charged it after the deadline; refunded, still ${finalState(tracked.order)}`,
  );
  return tracked;
}

async function sendOrders(system: SagaSystem, config: DemoConfig, run: string): Promise<Outcome> {
  heading('Orders');
  await stockShelves(system);
  const correlation = (key: string): string => `demo-${run}-${key}`;
  const [singles, rush] = await Promise.all([
    Promise.all(
      SCENARIOS.map((s) => place(system.ordersUrl, s.key, s.request, s.expect, correlation(s.key))),
    ),
    // All at once: the rush is about concurrent reservations of the last units.
    Promise.all(
      Array.from({ length: RUSH.orders }, (_, i) =>
        place(
          system.ordersUrl,
          `rush ${i + 1}/${RUSH.orders}`,
          RUSH.request(i + 1),
          // Until it settles: which orders get the last units is a race (see onSettled below).
          FULFILLED,
          correlation(`rush-${i + 1}`),
        ),
      ),
    ),
  ]);
  console.log(
    `  sent ${plural(singles.length + rush.length, 'order')}: ${singles.map((s) => s.label).join(', ')}, ` +
      `and ${RUSH.orders} at once for ${RUSH.sku} (${RUSH.stock} in stock)`,
  );
  const all = [...singles, ...rush];
  const labelWidth = Math.max(...all.map((t) => t.label.length));
  const unsettled = await settle(
    { orders: system.ordersUrl, provider: system.providerUrl },
    all,
    config.deadlineMs,
    stopSignal.signal,
    (t) => {
      // onSettled: which rush orders get the last units is a race; the others must be refunded.
      if (rush.includes(t) && t.order.status !== 'FULFILLED') t.expect = REFUNDED_OUT_OF_STOCK;
      const fine = t.records !== undefined && mismatches(t.order, t.records, t.expect).length === 0;
      const state = padEnd(finalState(t.order), STATE_WIDTH);
      const took = paint.dim(padStart(duration(sagaMs(t.order)), 7));
      console.log(
        `  ${fine ? paint.green('✓') : paint.red('✗')} ${t.label.padEnd(labelWidth)}  ${state}${took}`,
      );
    },
  );
  for (const t of unsettled)
    console.log(
      `  ${bad(`${t.label.padEnd(labelWidth)}  still ${t.order.status} after ${duration(config.deadlineMs)}`)}`,
    );
  return { singles, rush };
}

/** Every way the run went wrong, as lines for the final message; empty on success. */
function failures(outcome: Outcome): string[] {
  const problems: string[] = [];
  const timedOut = outcome.timedOut === undefined ? [] : [outcome.timedOut];
  for (const t of [...outcome.singles, ...outcome.rush, ...timedOut]) {
    if (!t.settled) problems.push(`${t.label}: still ${t.order.status} (order ${t.id})`);
    else if (t.records)
      for (const p of mismatches(t.order, t.records, t.expect))
        problems.push(`${t.label}: ${p} (order ${t.id})`);
  }
  const fulfilled = outcome.rush.filter((t) => t.order.status === 'FULFILLED').length;
  if (outcome.rush.every((t) => t.settled) && fulfilled !== RUSH.stock)
    problems.push(`rush: ${fulfilled} orders fulfilled from a stock of ${RUSH.stock}`);
  problems.push(...(outcome.outage?.problems ?? []));
  return problems;
}

/**
 * Waits (a few seconds at most) until Zipkin holds each order's trace, so the links printed work
 * when clicked; the services export their spans every 500 ms. A missing one is marked, not fatal.
 */
async function traceLinks(zipkinUrl: string, orders: readonly TrackedOrder[]): Promise<TraceLinks> {
  const stored = new Set<string>();
  await Promise.all(
    orders.map(async ({ order }) => {
      const found = await waitForTrace(zipkinUrl, order.traceId, (spans) => spans.length > 0, 5_000)
        .then(() => true)
        .catch(() => false);
      if (found) stored.add(order.traceId);
    }),
  );
  return { zipkinUrl, stored };
}

async function report(
  system: SagaSystem,
  config: DemoConfig,
  outcome: Outcome,
  run: string,
): Promise<void> {
  const links = await traceLinks(system.zipkinUrl, [
    ...outcome.singles,
    ...outcome.rush,
    ...(outcome.timedOut === undefined ? [] : [outcome.timedOut]),
  ]);
  heading('What happened');
  SCENARIOS.forEach((scenario, i) => {
    const tracked = outcome.singles[i];
    if (tracked === undefined) return;
    console.log('');
    for (const line of renderOrder(i + 1, scenario.title, tracked, links)) console.log(line);
  });

  const fulfilled = outcome.rush.filter((t) => t.order.status === 'FULFILLED').length;
  const stock = await getStock(system.fulfillmentUrl, RUSH.sku);
  console.log('');
  console.log(
    `${paint.bold(`${SCENARIOS.length + 1}. Rush: ${RUSH.orders} concurrent orders for ${RUSH.stock} units of ${RUSH.sku}`)}  ` +
      `${fulfilled} FULFILLED, ${RUSH.orders - fulfilled} CANCELLED and refunded`,
  );
  for (const line of renderRush(outcome.rush, links)) console.log(line);
  console.log(
    `    ${paint.dim('stock now')}  ${stock.available} available ${paint.dim('(reservations are atomic: stock never goes below zero)')}`,
  );
  if (outcome.timedOut !== undefined) {
    console.log('');
    for (const line of renderOrder(SCENARIOS.length + 2, TIMED_OUT.title, outcome.timedOut, links))
      console.log(line);
  }
  const outage = outcome.outage;
  if (outage !== undefined) {
    const done = outage.orders.filter((t) => t.order.status === 'FULFILLED').length;
    console.log('');
    console.log(
      `${paint.bold(`${SCENARIOS.length + 3}. Provider outage of ${duration(outage.downMs)}`)}  ` +
        `${done} of ${outage.orders.length} orders waited, then FULFILLED, each charged once`,
    );
    console.log(
      `    ${paint.dim('provider')}   refused ${plural(outage.refusedCalls, 'call')} while down; no order failed, none was charged twice`,
    );
  }

  heading('Where to look next');
  const stack = resolveStackEndpoints(process.env);
  const lines = renderNextSteps({
    services: PORT_SETTINGS.map(({ service }) => ({
      name: service,
      url: system.services[service].url,
    })),
    logDir: shown(config.logDir),
    example: outcome.singles[0],
    runPrefix: `demo-${run}-`,
    ordersUrl: system.ordersUrl,
    database: redactUrl(stack.postgres.urls.orders),
    brokers: stack.kafka.brokers.join(','),
    zipkinUrl: system.zipkinUrl,
    prometheusUrl: stack.prometheus.url,
  });
  for (const line of lines) console.log(line);
}

function totals(config: DemoConfig, marks: { services: number; orders: number }): string {
  const setup =
    config.setupDoneAtMs === undefined
      ? ''
      : `setup ${duration(config.setupDoneAtMs - config.startedAtMs)} (install, build, stack), `;
  return `total ${since(config.startedAtMs)}: ${setup}services ${duration(marks.services)}, orders ${duration(marks.orders)}`;
}

/** Waits until Ctrl-C (resolves) or a service dies (rejects). */
function untilStopped(): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      const reason: unknown = stopSignal.signal.reason;
      if (reason instanceof Interrupted) resolve();
      else reject(reason instanceof Error ? reason : new Error(String(reason)));
    };
    if (stopSignal.signal.aborted) settle();
    else stopSignal.signal.addEventListener('abort', settle, { once: true });
  });
}

async function stopServices(system: SagaSystem): Promise<void> {
  const started = Date.now();
  await system.stop();
  console.log(
    `${ok(`services stopped in ${since(started)}`)} ${paint.dim('(the stack stays up: `npm run stack -- down` stops it)')}`,
  );
}

/** Leaves the services up for exploring until Ctrl-C (or SIGTERM). */
async function keepRunning(): Promise<void> {
  console.log(
    `\nThe services keep running (URLs above). ${paint.bold('Ctrl-C')} stops them; ` +
      'the stack stays up until `npm run stack -- down`.',
  );
  await untilStopped();
  console.log('');
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const keep = argv.includes('--keep');
  const unknown = argv.filter((arg) => arg !== '--keep');
  if (unknown.length > 0)
    throw new DemoError(`unknown arguments: ${unknown.join(' ')}\n\n${USAGE}`);
  const config = loadDemoConfig(process.env);
  // Short and unique per run: it prefixes every correlation id, so one grep finds a whole run.
  const run = randomBytes(3).toString('hex');
  console.log(`\n${paint.bold('Order Saga Core demo')} ${paint.dim(`run ${run}`)}`);
  console.log(
    paint.dim('An order saga over Kafka, PostgreSQL and Redis: orders-service, payments-adapter,'),
  );
  console.log(
    paint.dim('fulfillment-service and a payment provider simulator, each its own process.'),
  );

  const servicesStarted = Date.now();
  let system: SagaSystem | undefined;
  try {
    system = await startServices(config);
    stopSignal.signal.throwIfAborted();
    const servicesMs = Date.now() - servicesStarted;

    const ordersStarted = Date.now();
    const outcome: Outcome = await sendOrders(system, config, run);
    heading(`Provider outage: ${OUTAGE.orders} orders placed while the payment provider is down`);
    outcome.outage = await runOutage(system, config.deadlineMs, run, stopSignal.signal);
    outcome.timedOut = await sendTimedOut(system, config, run);
    const ordersMs = Date.now() - ordersStarted;
    await report(system, config, outcome, run);

    const problems = failures(outcome);
    const count =
      outcome.singles.length +
      outcome.rush.length +
      (outcome.timedOut === undefined ? 0 : 1) +
      (outcome.outage?.orders.length ?? 0);
    console.log('');
    if (problems.length > 0) {
      console.log(bad(`${plural(problems.length, 'problem')} in ${count} orders:`));
      for (const p of problems) console.log(`  ${paint.red(p)}`);
      console.log(paint.dim(`  ${totals(config, { services: servicesMs, orders: ordersMs })}`));
      if (keep) await keepRunning();
      return EXIT_FAILED;
    }
    console.log(
      `${ok(`all ${count} orders ended as expected`)}  ${paint.dim(totals(config, { services: servicesMs, orders: ordersMs }))}`,
    );

    if (process.stdin.isTTY !== true && !keep) return 0;
    await keepRunning();
    return 0;
  } catch (error) {
    if (error instanceof Interrupted || stopSignal.signal.reason instanceof Interrupted) {
      console.error(`\n${bad('interrupted')}`);
      return EXIT_INTERRUPTED;
    }
    // Said before the services stop, so the reason is not buried under the shutdown lines.
    if (error instanceof DemoError) {
      console.error(bad(error.message));
      return EXIT_FAILED;
    }
    throw error;
  } finally {
    if (system !== undefined) await stopServices(system);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof DemoError) console.error(bad(error.message));
    else {
      console.error(bad('the demo failed:'), error);
      console.error(
        paint.dim('  is the stack up? `npm run stack -- status`; service logs: .stack/demo/logs/'),
      );
    }
    process.exit(EXIT_FAILED);
  },
);
