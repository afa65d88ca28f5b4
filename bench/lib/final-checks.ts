// Correctness over the whole run, after the load: every order created reached exactly one
// terminal outcome on the topics, the orders database agrees, nothing went to a dead-letter
// topic, and the services logged no surprises. The run exits 1 when this fails.
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import type { SagaSystem } from '../../scripts/system/saga-system.ts';
import { epochNow } from './http-client.ts';
import type { PhaseRunner } from './phase-runner.ts';
import { SERVICES, type PhaseResult } from './phases.ts';
import { progress } from './progress.ts';
import type { FinalChecks } from './report-model.ts';
import { DRAIN_TIMEOUT_MS, loadDeadlineAt, sleep } from './run-clock.ts';
import type { SagaEvents } from './saga-events.ts';
import type { SystemUnderTest } from './system-under-test.ts';

/** Waits for the last outcomes, then checks. */
export async function finalCheck(
  runner: PhaseRunner,
  sut: SystemUnderTest,
  phases: readonly PhaseResult[],
): Promise<FinalChecks> {
  progress('final check: every order terminal exactly once (topic) and in the orders database');
  const allIds = [...sut.events.orders.keys()];
  // Bounded so the whole run, stop included, stays under 10 minutes.
  await runner.waitForOutcomes(
    allIds,
    Math.min(epochNow() + DRAIN_TIMEOUT_MS, loadDeadlineAt() + 90_000),
  );
  await sleep(1_500); // a late duplicate outcome would surface here
  await sut.collect();
  return finalChecks(sut.system, sut.events, phases);
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
  const byStatus = await ordersByStatus(sys.databases.orders);
  const stuckDetails = await describeStuck(sys.ordersUrl, stuck.slice(0, 5));
  const logs = countWarnings(sys);
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

/** The orders database's own view: rows per status. */
async function ordersByStatus(ordersDatabaseUrl: string): Promise<Record<string, number>> {
  const client = new Client({ connectionString: ordersDatabaseUrl });
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
  return byStatus;
}

/** Where unfinished sagas stopped, from the orders API: which step, how many attempts. */
async function describeStuck(
  ordersUrl: string,
  ids: readonly string[],
): Promise<Array<{ id: string; status: string; steps: string }>> {
  const stuckDetails: Array<{ id: string; status: string; steps: string }> = [];
  for (const id of ids) {
    const response = await fetch(`${ordersUrl}/orders/${id}`).catch(() => undefined);
    const body = (await response?.json().catch(() => undefined)) as
      | { status?: string; steps?: Array<{ name: string; status: string; attempts: number }> }
      | undefined;
    stuckDetails.push({
      id,
      status: body?.status ?? `HTTP ${response?.status ?? 'error'}`,
      steps: (body?.steps ?? []).map((s) => `${s.name}:${s.status}×${s.attempts}`).join(' '),
    });
  }
  return stuckDetails;
}

/** Per service: warn and error log lines counted by level and message (a dead consumer shows). */
function countWarnings(sys: SagaSystem): Record<string, Record<string, number>> {
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
  return logs;
}
