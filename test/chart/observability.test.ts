// The recording and alert rules and the Grafana dashboards: one copy (charts/order-saga/monitoring),
// valid PromQL, only metrics and labels the services expose, and embedded unchanged by the chart.
// Their behaviour is checked elsewhere: promtool unit tests (monitoring.test.ts) and the real
// Prometheus of the native stack (test/e2e/observability.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alertRules,
  dashboards,
  fromGrafana,
  panelQueries,
  recordingRules,
  ruleFiles,
  rules,
  rulesDir,
} from '../support/monitoring.ts';
import { render } from './support/helm.ts';
import {
  analyze,
  contractMetric,
  loadMetrics,
  OUTCOMES,
  PENDING,
  TARGET_LABELS,
} from './support/promql.ts';

const METRICS = await loadMetrics();

/** What a recording rule produces: its name, labelled by what its expression keeps (by clauses). */
const RECORDED = Object.fromEntries(
  recordingRules.map((r) => [
    r.record ?? '',
    { labels: analyze(r.expr).labels.filter((l) => l !== 'le'), histogram: false },
  ]),
);

function labelsOf(metric: string): string[] {
  return [
    ...(METRICS[metric]?.labels ?? []),
    ...(PENDING[metric]?.labels ?? []),
    ...(RECORDED[metric]?.labels ?? []),
  ];
}

/** Problems with one query: syntax, metrics outside the contract, unknown labels or outcomes. */
function queryProblems(query: string): string[] {
  const facts = analyze(query);
  const problems: string[] = [];
  if (facts.errors.length > 0) problems.push(`syntax error at ${facts.errors.join(', ')}`);
  const known = { ...METRICS, ...RECORDED };
  const metrics = facts.metrics.map((m) => ({
    series: m,
    metric: contractMetric(known, m) ?? (PENDING[m] ? m : undefined),
  }));
  for (const m of metrics.filter((x) => !x.metric))
    problems.push(`metric ${m.series} is not exposed by the services`);
  const allowed = new Set([
    ...TARGET_LABELS,
    'le',
    ...metrics.flatMap((m) => (m.metric ? labelsOf(m.metric) : [])),
  ]);
  for (const label of facts.labels.filter((l) => !allowed.has(l)))
    problems.push(`label ${label} does not exist on ${facts.metrics.join(', ')}`);
  // A recording rule over order_saga_duration_seconds keeps its outcome values.
  const outcomeSource = (name: string): string =>
    name.startsWith('order_saga:saga') ? 'order_saga_duration_seconds' : name;
  const outcomes = [
    ...new Set(metrics.flatMap((m) => OUTCOMES[outcomeSource(m.metric ?? '')] ?? [])),
  ];
  for (const matcher of facts.matchers.filter((m) => m.label === 'outcome')) {
    if (!outcomes.includes(matcher.value))
      problems.push(`outcome "${matcher.value}" is not one of ${outcomes.join('|')}`);
  }
  return problems;
}

describe('rules (monitoring/rules/*.yaml)', () => {
  it('are well-formed: alerts with a severity and a summary, records named level:metric:operation', () => {
    expect(alertRules.length).toBeGreaterThan(5);
    expect(recordingRules.length).toBeGreaterThan(3);
    const names = rules.map((r) => r.alert ?? r.record);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of alertRules) {
      expect(rule.alert, rule.expr).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(['warning', 'critical']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      if (rule.for) expect(rule.for).toMatch(/^[0-9]+[smh]$/);
    }
    for (const rule of recordingRules)
      expect(rule.record).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
  });

  it.each(rules.map((r) => [r.alert ?? r.record ?? '?', r.expr] as const))(
    '%s: valid PromQL on contract metrics',
    (_name, expr) => {
      expect(queryProblems(expr)).toEqual([]);
    },
  );

  it('cover the KPIs and the failure modes the design calls out', () => {
    const exprs = rules.map((r) => r.expr).join('\n');
    for (const metric of [
      'order_saga_duration_seconds',
      'payment_retries_total',
      'circuit_breaker_state',
      'outbox_pending',
      'dead_letters_total',
      'kafka_consumer_lag',
      'http_request_duration_seconds',
      'saga_oldest_in_flight_seconds',
      'sagas_past_deadline',
    ]) {
      expect(exprs).toContain(metric);
    }
    expect(exprs).toContain('outcome="compensation_failed"');
    for (const alert of [
      'SagasStuck',
      'SagaPastDeadline',
      'CircuitBreakerOpen',
      'DeadLettersGrowing',
      'OutboxBacklog',
      'ConsumerLagHigh',
      'PaymentRetryRateHigh',
      'SagaP99AboveTarget',
    ])
      expect(alertRules.map((r) => r.alert)).toContain(alert);
  });

  it('are embedded unchanged, one PrometheusRule per file', () => {
    const objects = render().filter((o) => o.kind === 'PrometheusRule');
    expect(objects.map((o) => o.metadata.name).sort()).toEqual(
      ruleFiles.map((f) => `order-saga-${f.file.replace(/\.yaml$/, '')}`).sort(),
    );
    for (const { file, groups } of ruleFiles) {
      const object = objects.find(
        (o) => o.metadata.name === `order-saga-${file.replace(/\.yaml$/, '')}`,
      );
      expect(object?.spec, file).toEqual({ groups });
      expect(readFileSync(join(rulesDir, file), 'utf8')).toContain('groups:');
    }
  });
});

describe('Grafana dashboards (monitoring/dashboards)', () => {
  it('exist and have unique uids and panel ids', () => {
    expect(dashboards.length).toBeGreaterThan(0);
    const uids = dashboards.map((d) => d.json.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const { file, json } of dashboards) {
      const ids = json.panels.flatMap((p) => [p.id, ...(p.panels ?? []).map((q) => q.id)]);
      expect(new Set(ids).size, file).toBe(ids.length);
      expect(json.title).toMatch(/^Order Saga/);
    }
  });

  it('select Prometheus through a datasource variable, never a hard-coded uid', () => {
    for (const { file, json } of dashboards) {
      expect(json.templating.list.find((v) => v.name === 'datasource')).toMatchObject({
        type: 'datasource',
        query: 'prometheus',
      });
      for (const panel of json.panels.filter((p) => p.type !== 'row')) {
        expect(panel.datasource, `${file}: ${panel.title}`).toEqual({
          type: 'prometheus',
          uid: '${datasource}',
        });
        for (const target of panel.targets ?? [])
          expect(target.datasource?.uid).toBe('${datasource}');
      }
    }
  });

  it('the overview has the saga panels the design asks for and one row per service', () => {
    const overview = dashboards.find((d) => d.json.uid === 'order-saga-overview')?.json;
    const exprs = panelQueries
      .filter((q) => q.panel.startsWith('order-saga-overview.json'))
      .map((q) => q.expr)
      .join('\n');
    for (const metric of [
      'order_saga_duration_seconds_count', // throughput, outcomes
      'order_saga_duration_seconds_bucket', // duration quantiles by outcome
      'saga_compensations_total',
      'payment_retries_total',
      'payment_failures_total',
      'circuit_breaker_state',
      'outbox_pending',
      'outbox_publish_lag_seconds_bucket',
      'kafka_consumer_lag',
      'dead_letters_total',
    ])
      expect(exprs).toContain(metric);
    expect(exprs).toContain('sum by (outcome, le)');
    const perService = overview?.panels.find((p) => p.type === 'row' && p.repeat === 'service');
    expect(perService?.title).toBe('$service');
  });

  it.each(panelQueries.map((q) => [q.panel, q.expr] as const))(
    '%s: valid PromQL on contract metrics',
    (_panel, expr) => {
      expect(queryProblems(fromGrafana(expr))).toEqual([]);
    },
  );

  it('template variable queries use contract labels', () => {
    for (const { json } of dashboards) {
      for (const variable of json.templating.list.filter((v) => v.type === 'query')) {
        const query = (variable.query as { query: string }).query;
        const match = /^label_values\((.+),\s*([a-z_]+)\)$/.exec(query);
        expect(match, query).not.toBeNull();
        expect(queryProblems(match?.[1] ?? '')).toEqual([]);
        expect(TARGET_LABELS).toContain(match?.[2]);
      }
    }
  });

  it('are shipped unchanged in the dashboards ConfigMap', () => {
    const configMap = render().find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboards'),
    );
    expect(configMap?.metadata.labels?.grafana_dashboard).toBe('1');
    const data = configMap?.data as Record<string, string>;
    for (const { file, text } of dashboards) expect(data[file]).toBe(text.trimEnd());
  });
});

describe('the pending list', () => {
  // Empty today (issue 8 registered dead_letter_redrives_total); an entry names a metric the
  // rules or dashboards use before the catalogue has it, and must go once the catalogue does.
  it('names only metrics the catalogue does not have yet', () => {
    const stale = Object.entries(PENDING)
      .filter(([metric, { labels }]) => {
        const registered = METRICS[metric];
        return registered !== undefined && labels.every((l) => registered.labels.includes(l));
      })
      .map(([metric]) => metric);
    expect(stale, 'registered now: drop from PENDING in test/chart/support/promql.ts').toEqual([]);
  });
});

describe('the PromQL checks catch', () => {
  it('a syntax error, an unknown metric, an unknown label and an unknown outcome', () => {
    expect(queryProblems('sum(rate(payment_attempts_total[5m])')).toEqual([
      expect.stringMatching(/syntax error/),
    ]);
    expect(queryProblems('rate(payments_total[5m])')).toEqual([
      'metric payments_total is not exposed by the services',
    ]);
    expect(queryProblems('sum by (region) (rate(payment_failures_total[5m]))')).toEqual([
      expect.stringMatching(/label region/),
    ]);
    expect(queryProblems('order_saga_duration_seconds_count{outcome="failed"}')).toEqual([
      expect.stringMatching(/outcome "failed"/),
    ]);
    expect(queryProblems('order_saga:saga_duration_seconds:avg_5m{route="/orders"}')).toEqual([
      expect.stringMatching(/label route/),
    ]);
  });
});
