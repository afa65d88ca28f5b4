// What the demo prints at the end: each order's story with links to its trace, where to look
// next, and how long each part of the run took.
import { getStock } from '../system/orders-api.ts';
import type { SagaSystem } from '../system/saga-system.ts';
import { waitForTrace } from '../system/traces.ts';
import { redactUrl, resolveStackEndpoints } from '../stack/endpoints.ts';
import { PORT_SETTINGS, type DemoConfig } from './config.ts';
import type { TrackedOrder } from './drive.ts';
import type { Outcome } from './orders.ts';
import { renderNextSteps, renderOrder, renderRush, type TraceLinks } from './report.ts';
import { RUSH, SCENARIOS, TIMED_OUT } from './scenarios.ts';
import { duration, heading, paint, plural, shownPath, since } from './terminal.ts';

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

export async function report(
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
    logDir: shownPath(config.logDir),
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

export function totals(config: DemoConfig, marks: { services: number; orders: number }): string {
  const setup =
    config.setupDoneAtMs === undefined
      ? ''
      : `setup ${duration(config.setupDoneAtMs - config.startedAtMs)} (install, build, stack), `;
  return `total ${since(config.startedAtMs)}: ${setup}services ${duration(marks.services)}, orders ${duration(marks.orders)}`;
}
