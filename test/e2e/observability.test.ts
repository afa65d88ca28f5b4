// Observability checked against the real tools: the native stack's Prometheus scrapes the
// services of this run (file-based discovery), and after a short load every recording rule, alert
// rule and dashboard panel query of charts/order-saga/monitoring is evaluated there. Every
// service's /metrics passes `promtool check metrics`, and the metrics of the catalogue move.
// Orchestration mode: it is the one that runs all five services.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  http,
  orderBody,
  postOrder,
  setStock,
  waitForTerminal,
  type OrderView,
} from '../../scripts/system/orders-api.ts';
import {
  startSagaSystem,
  type ProcessName,
  type SagaSystem,
} from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { fromGrafana, panelQueries, recordingRules, rules } from '../support/monitoring.ts';
import { sagaLogs } from '../support/saga-logs.ts';
import {
  activeTargets,
  loadedRules,
  prometheusUrl,
  query,
  samples,
} from '../support/prometheus-api.ts';

const SKU_STOCKED = 'SKU-OBS-STOCKED';
const SKU_SOLD_OUT = 'SKU-OBS-SOLD-OUT';
// Small on purpose: enough for every saga path to be taken a few times and every rate to be > 0.
const LOAD = { approved: 6, declined: 2, outOfStock: 2 } as const;
const TOTAL = LOAD.approved + LOAD.declined + LOAD.outOfStock;
const WARM_UP = { approved: 1, declined: 1, outOfStock: 1 } as const;
const WARM_UP_TOTAL = 3;

/**
 * Panels allowed to come back empty after a healthy load, each with the reason. Every other
 * panel of every dashboard must return data.
 */
const QUIET_WHEN_HEALTHY: Record<string, string> = {
  'Dead letters': 'nothing is dead-lettered on a healthy run',
  'Sagas in flight too long':
    'saga_oldest_in_flight_seconds and sagas_past_deadline: pending (issue 10)',
  'HTTP 5xx ratio': 'a healthy run answers no 5xx',
  'Duplicates absorbed': 'no redelivery and no Idempotency-Key replay in this load',
};

let system: SagaSystem;
const orders: OrderView[] = [];

async function place(body: Record<string, unknown>): Promise<OrderView> {
  const created = await postOrder(system.ordersUrl, orderBody(body), {
    'x-correlation-id': `obs-${randomUUID()}`,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return waitForTerminal(system.ordersUrl, created.body.id);
}

/** Sum of an expression over this run's series, or undefined while Prometheus has none. */
async function runTotal(expr: string): Promise<number | undefined> {
  const [sample] = await samples(`sum(${expr})`);
  return sample === undefined ? undefined : Number(sample.value[1]);
}

beforeAll(async () => {
  system = await startSagaSystem('observ', { mode: 'orchestration' });
  await setStock(system.fulfillmentUrl, SKU_STOCKED, 1_000);
  await setStock(system.fulfillmentUrl, SKU_SOLD_OUT, 0);
  const items = (sku: string) => ({ items: [{ sku, quantity: 1, unitPrice: 1_500 }] });
  const load = (n: { approved: number; declined: number; outOfStock: number }) =>
    Promise.all([
      ...Array.from({ length: n.approved }, () => place(items(SKU_STOCKED))),
      ...Array.from({ length: n.declined }, () =>
        place({ ...items(SKU_STOCKED), paymentMethod: 'pm_card_declined' }),
      ),
      ...Array.from({ length: n.outOfStock }, () => place(items(SKU_SOLD_OUT))),
    ]);
  const run = `run="${system.runId}"`;
  const finished = () => runTotal(`order_saga_duration_seconds_count{${run}}`);
  // One order per path first, and a scrape of it: a series' first sample is its baseline, so
  // rate() only sees what happens after Prometheus has seen the series once (labels such as a
  // route or a status code cannot be exported at zero before their first request).
  orders.push(...(await load(WARM_UP)));
  await waitFor(
    'Prometheus to scrape the warm-up orders',
    async () =>
      (await finished()) === WARM_UP_TOTAL &&
      ((await runTotal(`payment_attempts_total{${run}}`)) ?? 0) > 0
        ? true
        : undefined,
    60_000,
    250,
  );
  orders.push(...(await load(LOAD)));
  // Every saga scraped, and the KPI recording rules evaluated on top of that scrape.
  await waitFor(
    'Prometheus to scrape the finished sagas and evaluate the KPI rules',
    async () => {
      const [avg] = await samples('order_saga:saga_duration_seconds:avg_5m{outcome="fulfilled"}');
      // The retry ratio reads the adapter's counters, scraped on their own schedule: wait for it
      // too, or a load that landed between two adapter scrapes reads as "no data".
      const [retryRatio] = await samples('order_saga:payment_retry_ratio:5m');
      // The recording aggregates every run of the last 5 minutes: an earlier test's data can make
      // it a number before this run's adapter was scraped after the load. Wait for this run's too.
      const [runRatio] = await samples(
        `sum(rate(payment_retries_total{${run}}[5m])) / sum(rate(payment_attempts_total{${run}}[5m]))`,
      );
      const kpiReady = [avg, retryRatio, runRatio].every(
        (sample) => sample !== undefined && !Number.isNaN(Number(sample.value[1])),
      );
      return (await finished()) === WARM_UP_TOTAL + TOTAL && kpiReady ? true : undefined;
    },
    60_000,
    250,
  );
});

afterAll(async () => {
  await system?.stop();
});

function processes(): { name: ProcessName; url: string }[] {
  return Object.values(system.services);
}

describe('the stack’s Prometheus', () => {
  it('scrapes every service of the run, found through the launcher’s targets file', async () => {
    const targets = (await activeTargets()).filter((t) => t.labels['run'] === system.runId);
    expect(targets.map((t) => t.labels['service']).sort()).toEqual(
      processes()
        .map((p) => p.name)
        .sort(),
    );
    for (const target of targets) {
      expect(target.health, target.lastError).toBe('up');
      expect(target.labels['system']).toBe('order-saga');
    }
    expect(orders.map((o) => o.status).sort()).toEqual(
      [
        ...Array<string>(WARM_UP.approved + LOAD.approved).fill('FULFILLED'),
        ...Array<string>(
          WARM_UP.declined + WARM_UP.outOfStock + LOAD.declined + LOAD.outOfStock,
        ).fill('CANCELLED'),
      ].sort(),
    );
  });

  it('loads the chart’s rule files, and every rule evaluates without error', async () => {
    const loaded = (await loadedRules()).flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual(rules.map((r) => r.alert ?? r.record).sort());
    for (const rule of loaded) {
      expect(rule.health, `${rule.name}: ${rule.lastError ?? ''}`).toBe('ok');
    }
  });

  it.each(rules.map((r) => [r.alert ?? r.record ?? '?', r.expr] as const))(
    'rule %s parses and runs as a query',
    async (_name, expr) => {
      const result = await query(expr);
      expect(result.status, JSON.stringify(result)).toBe('success');
    },
  );

  it.each(recordingRules.map((r) => r.record ?? '?'))(
    'KPI %s has a value after the load',
    async (record) => {
      const result = await samples(record);
      expect(result.length).toBeGreaterThan(0);
      for (const sample of result)
        expect(Number.isNaN(Number(sample.value[1])), record).toBe(false);
    },
  );

  it('the KPIs read what the load did: sagas took time, nothing was retried', async () => {
    // Values, not speed: how fast is the benchmark's business (bench/), not a test's.
    const [avg] = await samples('order_saga:saga_duration_seconds:avg_5m{outcome="fulfilled"}');
    expect(Number(avg?.value[1])).toBeGreaterThan(0);
    // The recording aggregates every run in the window (an earlier outage test retries); the
    // same ratio over this run alone must be exactly 0.
    const [ratio] = await samples('order_saga:payment_retry_ratio:5m');
    expect(Number(ratio?.value[1])).toBeGreaterThanOrEqual(0);
    const run = `run="${system.runId}"`;
    const [retries] = await samples(
      `sum(rate(payment_retries_total{${run}}[5m])) / sum(rate(payment_attempts_total{${run}}[5m]))`,
    );
    expect(Number(retries?.value[1])).toBe(0);
  });
});

describe('dashboard panels against the real Prometheus', () => {
  it.each(panelQueries.map((q) => [q.panel, q.expr] as const))(
    '%s: parses and runs',
    async (_panel, expr) => {
      const result = await query(fromGrafana(expr));
      expect(result.status, JSON.stringify(result)).toBe('success');
    },
  );

  // One check per panel (not per query): a panel shows data if any of its queries returns some.
  const byPanel = new Map<string, typeof panelQueries>();
  for (const q of panelQueries) byPanel.set(q.panel, [...(byPanel.get(q.panel) ?? []), q]);
  const keyPanels = [...byPanel.keys()].filter(
    (panel) => !Object.keys(QUIET_WHEN_HEALTHY).some((t) => panel.endsWith(`: ${t}`)),
  );
  it.each(keyPanels)('%s: returns data after the load', async (panel) => {
    const results = await Promise.all(
      (byPanel.get(panel) ?? []).map(async (q) => samples(fromGrafana(q.expr))),
    );
    expect(results.flat().length, panel).toBeGreaterThan(0);
  });

  it('the per-service row returns data for each service of the run', async () => {
    for (const { name } of processes()) {
      // A service that serves few requests (the orchestrator: probes and scrapes) has a rate only
      // once two scrapes of its counters fall inside the window: wait for that, within reason.
      const result = await waitFor(
        `the per-service row of ${name} to return data`,
        async () => {
          const found = await samples(
            fromGrafana(
              'sum by (route) (rate(http_request_duration_seconds_count{service=~"$service"}[$__rate_interval]))',
              name,
            ),
          );
          return found.length > 0 ? found : undefined;
        },
        30_000,
        500,
      );
      expect(result.length, name).toBeGreaterThan(0);
    }
  });
});

describe('/metrics of every service', () => {
  it('passes promtool check metrics', async () => {
    for (const { name, url } of processes()) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.error).toBeUndefined();
      expect(check.status, `${name}: ${check.stdout}${check.stderr}`).toBe(0);
    }
  });
});

/**
 * Every metric of the catalogue (packages/observability/src/metrics.ts), and what this load must
 * have done to it: an expression over the run's series that must be above zero, or why the load
 * cannot move it. A metric added to the catalogue without an entry here fails the test.
 */
const MOVES: Record<string, string> = {
  order_saga_duration_seconds: 'sum by (outcome) (order_saga_duration_seconds_count{RUN})',
  payment_failures_total: 'payment_failures_total{RUN}',
  payment_attempts_total: 'payment_attempts_total{RUN}',
  outbox_published_total: 'outbox_published_total{RUN}',
  outbox_publish_lag_seconds: 'outbox_publish_lag_seconds_count{RUN}',
  messages_consumed_total: 'messages_consumed_total{RUN}',
  saga_compensations_total: 'saga_compensations_total{RUN, outcome="compensated"}',
  http_request_duration_seconds: 'http_request_duration_seconds_count{RUN, route="/orders"}',
  // Gauges: present (a value, zero included) is what "moving" means for a level.
  outbox_pending: 'count by (service) (outbox_pending{RUN}) + 1',
  kafka_consumer_lag: 'count by (service) (kafka_consumer_lag{RUN}) + 1',
  saga_oldest_in_flight_seconds: 'count by (state) (saga_oldest_in_flight_seconds{RUN}) + 1',
  sagas_past_deadline: 'count(sagas_past_deadline{RUN}) + 1',
  sagas_in_flight: 'count(sagas_in_flight{RUN}) + 1',
  circuit_breaker_state: 'count by (breaker) (circuit_breaker_state{RUN}) + 1',
  payment_provider_call_duration_seconds:
    'sum by (operation) (payment_provider_call_duration_seconds_count{RUN})',
};
const NOT_EXERCISED: Record<string, string> = {
  payment_retries_total:
    'exported at zero; a healthy provider is never retried (test/e2e/provider-outage)',
  inbox_duplicates_total: 'no redelivery in a healthy run (test/e2e/fault-matrix)',
  dead_letters_total: 'nothing is dead-lettered in a healthy run (test/integration/event-consumer)',
  dead_letter_redrives_total:
    'exported at zero; no operator re-drives in a healthy run (test/e2e/dead-letter-redrive)',
  idempotent_replays_total: 'this load sends no Idempotency-Key (test/e2e/idempotency-key)',
  idempotency_cache_errors_total: 'Redis answers in a healthy run (test/e2e/idempotency-key)',
  orders_shed_total:
    'the load stays under ORDERS_MAX_IN_FLIGHT and ORDERS_MAX_POOL_WAITING (test/e2e/load-shedding, load-shedding-pool)',
  circuit_breaker_transitions_total:
    'a healthy provider never trips the breaker (test/e2e/provider-outage)',
  circuit_breaker_shared_state_errors_total:
    'Redis answers in a healthy run (test/integration/shared-circuit-breaker)',
  saga_deadlines_exceeded_total:
    'no saga outlives its deadline in a healthy run (test/e2e/saga-deadlines)',
  consumer_transaction_records:
    'a light steady load seldom finds two records of one partition in a fetch (test/integration/batch-apply)',
  consumer_batch_fallbacks_total: 'no batch fails in a healthy run (test/integration/batch-apply)',
  readiness_source_errors_total:
    'natively the adapter probes over HTTP, no watch to fail (test/e2e/provider-readiness)',
};

describe('the metric catalogue under load', () => {
  it('every metric is accounted for: moved by this load, or named with the reason it cannot be', async () => {
    const { SagaMetrics } = await import('@order-saga/observability');
    const catalogue = (await new SagaMetrics('catalogue').registry.getMetricsAsJSON())
      .map((m) => m.name)
      .filter((name) => !/^(process|nodejs)_/.test(name));
    expect(catalogue.filter((m) => !(m in MOVES) && !(m in NOT_EXERCISED))).toEqual([]);
    expect(
      Object.keys({ ...MOVES, ...NOT_EXERCISED }).filter((m) => !catalogue.includes(m)),
    ).toEqual([]);
  });

  it.each(Object.entries(MOVES))('%s moved', async (metric, expr) => {
    const result = await samples(`${expr.replaceAll('RUN', `run="${system.runId}"`)} > 0`);
    expect(result.length, `${metric}: ${expr}`).toBeGreaterThan(0);
  });

  it('outcomes, consumer lag per partition, HTTP per route: and no label carries an id', async () => {
    const run = `run="${system.runId}"`;
    const outcomes = await samples(
      `sum by (outcome) (order_saga_duration_seconds_count{${run}}) > 0`,
    );
    expect(outcomes.map((s) => s.metric['outcome']).sort()).toEqual(['cancelled', 'fulfilled']);
    const partitions = await samples(
      `count by (group, topic) (kafka_consumer_lag{${run}, service="payments-adapter"})`,
    );
    expect(partitions.length).toBeGreaterThan(0);
    for (const p of partitions) expect(Number(p.value[1]), JSON.stringify(p.metric)).toBe(6);
    const routes = await samples(`sum by (route) (http_request_duration_seconds_count{${run}})`);
    expect(routes.map((s) => s.metric['route'])).toContain('/orders/:id');

    const response = await fetch(
      `${prometheusUrl}/api/v1/series?match[]=${encodeURIComponent(`{${run}}`)}`,
    );
    const series = ((await response.json()) as { data: Record<string, string>[] }).data;
    expect(series.length).toBeGreaterThan(100);
    const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
    const withIds = series.filter((labels) =>
      Object.entries(labels).some(([name, value]) => name !== 'run' && ID.test(value)),
    );
    expect(withIds).toEqual([]);
  });
});

describe('the log lines of a saga', () => {
  it('are JSON with service, orderId, correlationId, traceId and spanId, and share one correlation id and one trace id', async () => {
    // Every process of the run, the orchestrator included (the launcher writes one file each).
    const files = Object.values(system.services).map((service) => service.logFile);
    // One order of each path: approved, declined, out of stock (refunded).
    const paths = [
      orders.find((o) => o.status === 'FULFILLED'),
      orders.find((o) => o.reason === 'PAYMENT_DECLINED'),
      orders.find((o) => o.reason === 'OUT_OF_STOCK'),
    ];
    const seen: string[] = [];
    for (const order of paths) {
      if (order === undefined) throw new Error('the load did not take every path');
      const participants = [
        'orders-service',
        'payment-provider-sim',
        'payments-adapter',
        'saga-orchestrator',
        ...(order.reason === 'PAYMENT_DECLINED' ? [] : ['fulfillment-service']),
      ].sort();
      // The last lines may still be on their way to the files when the order is terminal.
      const logs = await waitFor(`every service's lines about ${order.id}`, () => {
        const read = sagaLogs(files, order);
        return participants.every((s) => read.services.includes(s)) ? read : undefined;
      });
      expect(logs.problems, order.id).toEqual([]);
      expect(logs.services).toEqual(participants);
      seen.push(
        `${order.status}${order.reason === null ? '' : ` (${order.reason})`}: ${logs.lines.length} lines`,
      );
    }
    console.log(
      `log lines per saga, each with one correlation id and one trace id: ${seen.join('; ')}`,
    );
  });
});

describe('X-Correlation-Id', () => {
  it('is accepted and echoed, generated when missing, and replaced when unsafe', async () => {
    const supplied = `obs-${randomUUID()}`;
    const accepted = await postOrder(system.ordersUrl, orderBody(), {
      'x-correlation-id': supplied,
    });
    expect(accepted.headers.get('x-correlation-id')).toBe(supplied);
    expect(accepted.body.correlationId).toBe(supplied);

    const generated = await postOrder(system.ordersUrl, orderBody());
    const id = generated.headers.get('x-correlation-id') ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.body.correlationId).toBe(id);

    const unsafe = await http(`${system.ordersUrl}/orders/${accepted.body.id}`, {
      headers: { 'x-correlation-id': 'no spaces or newlines, please' },
    });
    expect(unsafe.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    // Also on errors and on every service.
    const missing = await http(`${system.ordersUrl}/orders/${randomUUID()}`, {
      headers: { 'x-correlation-id': supplied },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-correlation-id')).toBe(supplied);
    for (const { url } of processes()) {
      const health = await http(`${url}/health/live`, {
        headers: { 'x-correlation-id': supplied },
      });
      expect(health.headers.get('x-correlation-id')).toBe(supplied);
    }
  });
});
