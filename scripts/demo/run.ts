// `npm run demo`, after scripts/demo.sh has installed, built and brought the stack up: starts the
// four services as separate processes on fixed ports against the stack's own databases and topics,
// sends orders down every saga path, and prints how each one ended and why.
import { randomBytes } from 'node:crypto';
import type { SagaSystem } from '../system/saga-system.ts';
import { DemoError, PORT_SETTINGS, loadDemoConfig } from './config.ts';
import { DemoLifecycle, EXIT_INTERRUPTED, Interrupted } from './lifecycle.ts';
import { failures, sendOrders, sendTimedOut, type Outcome } from './orders.ts';
import { OUTAGE, runOutage } from './outage.ts';
import { startServices, stopServices } from './services.ts';
import { report, totals } from './summary.ts';
import { bad, heading, ok, paint, plural } from './terminal.ts';

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

const EXIT_FAILED = 1;

/** Leaves the services up for exploring until Ctrl-C (or SIGTERM). */
async function keepRunning(lifecycle: DemoLifecycle): Promise<void> {
  console.log(
    `\nThe services keep running (URLs above). ${paint.bold('Ctrl-C')} stops them; ` +
      'the stack stays up until `npm run stack -- down`.',
  );
  await lifecycle.untilStopped();
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

  const lifecycle = DemoLifecycle.listen();
  const servicesStarted = Date.now();
  let system: SagaSystem | undefined;
  try {
    system = await startServices(config, lifecycle);
    lifecycle.signal.throwIfAborted();
    const servicesMs = Date.now() - servicesStarted;

    const ordersStarted = Date.now();
    const outcome: Outcome = await sendOrders(system, config, run, lifecycle.signal);
    heading(`Provider outage: ${OUTAGE.orders} orders placed while the payment provider is down`);
    outcome.outage = await runOutage(system, config.deadlineMs, run, lifecycle.signal);
    outcome.timedOut = await sendTimedOut(system, config, run, lifecycle);
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
      if (keep) await keepRunning(lifecycle);
      return EXIT_FAILED;
    }
    console.log(
      `${ok(`all ${count} orders ended as expected`)}  ${paint.dim(totals(config, { services: servicesMs, orders: ordersMs }))}`,
    );

    if (process.stdin.isTTY !== true && !keep) return 0;
    await keepRunning(lifecycle);
    return 0;
  } catch (error) {
    if (error instanceof Interrupted || lifecycle.interrupted) {
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
