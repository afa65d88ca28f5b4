// The alert rules and Grafana dashboards: one copy each (charts/order-saga/files/), valid PromQL,
// only metrics and labels the services expose, and embedded unchanged by the chart.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir, render } from './support/helm.ts';
import {
  analyze,
  contractMetric,
  fromGrafana,
  loadMetrics,
  OUTCOMES,
  TARGET_LABELS,
} from './support/promql.ts';

const METRICS = await loadMetrics();

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alertsFile = join(chartDir, 'files', 'prometheus', 'alerts.yaml');
const alerts = parse(readFileSync(alertsFile, 'utf8')) as {
  groups: { name: string; rules: Rule[] }[];
};
const rules = alerts.groups.flatMap((g) => g.rules);

const dashboardDir = join(chartDir, 'files', 'grafana', 'dashboards');
const dashboardFiles = readdirSync(dashboardDir).filter((f) => f.endsWith('.json'));

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}
const dashboards = dashboardFiles.map((file) => ({
  file,
  json: JSON.parse(readFileSync(join(dashboardDir, file), 'utf8')) as Dashboard,
}));

/** Problems with one query: syntax, metrics outside the contract, unknown labels or outcomes. */
function queryProblems(query: string): string[] {
  const facts = analyze(query);
  const problems: string[] = [];
  if (facts.errors.length > 0) problems.push(`syntax error at ${facts.errors.join(', ')}`);
  const metrics = facts.metrics.map((m) => ({ series: m, metric: contractMetric(METRICS, m) }));
  for (const m of metrics.filter((x) => !x.metric))
    problems.push(`metric ${m.series} is not exposed by the services`);
  const allowed = new Set([
    ...TARGET_LABELS,
    'le',
    ...metrics.flatMap((m) => (m.metric ? (METRICS[m.metric]?.labels ?? []) : [])),
  ]);
  for (const label of facts.labels.filter((l) => !allowed.has(l)))
    problems.push(`label ${label} does not exist on ${facts.metrics.join(', ')}`);
  const outcomes = [...new Set(metrics.flatMap((m) => OUTCOMES[m.metric ?? ''] ?? []))];
  for (const matcher of facts.matchers.filter((m) => m.label === 'outcome')) {
    if (!outcomes.includes(matcher.value))
      problems.push(`outcome "${matcher.value}" is not one of ${outcomes.join('|')}`);
  }
  return problems;
}

describe('alert rules (files/prometheus/alerts.yaml)', () => {
  it('are well-formed alerting rules with a severity and a summary', () => {
    expect(rules.length).toBeGreaterThan(5);
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of rules) {
      expect(rule.alert, rule.expr).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(['warning', 'critical']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      if (rule.for) expect(rule.for).toMatch(/^[0-9]+[smh]$/);
    }
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
    ]) {
      expect(exprs).toContain(metric);
    }
    expect(exprs).toContain('outcome="compensation_failed"');
  });

  it('are embedded unchanged as the PrometheusRule spec', () => {
    const rule = render().find((o) => o.kind === 'PrometheusRule');
    expect(rule?.spec).toEqual(alerts);
  });
});

describe('Grafana dashboards (files/grafana/dashboards)', () => {
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

  const queries = dashboards.flatMap(({ file, json }) =>
    json.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => [`${file}: ${p.title}`, t.expr] as const),
    ),
  );
  it.each(queries)('%s: valid PromQL on contract metrics', (_panel, expr) => {
    expect(queryProblems(fromGrafana(expr))).toEqual([]);
  });

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
    for (const { file } of dashboards)
      expect(data[file]).toBe(readFileSync(join(dashboardDir, file), 'utf8').trimEnd());
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
  });
});
