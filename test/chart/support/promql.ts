// PromQL checks with the Prometheus project's own grammar (@prometheus-io/lezer-promql, the
// parser behind the Prometheus UI): syntax errors, and which metrics and labels a query uses.
import { parser } from '@prometheus-io/lezer-promql';

export interface QueryFacts {
  /** Positions of syntax errors (empty when the query parses). */
  errors: number[];
  metrics: string[];
  /** Label names used in matchers and in by/without/on/ignoring clauses. */
  labels: string[];
  matchers: { label: string; value: string }[];
}

export function analyze(query: string): QueryFacts {
  const facts: QueryFacts = { errors: [], metrics: [], labels: [], matchers: [] };
  const cursor = parser.parse(query).cursor();
  do {
    const text = query.slice(cursor.from, cursor.to);
    if (cursor.type.isError) facts.errors.push(cursor.from);
    else if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector')
      facts.metrics.push(text);
    else if (cursor.name === 'LabelName') facts.labels.push(text);
    else if (cursor.name === 'UnquotedLabelMatcher') {
      const match = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"(.*)"$/s.exec(text);
      if (match?.[1] && match[3] !== undefined)
        facts.matchers.push({ label: match[1], value: match[3] });
    }
  } while (cursor.next());
  return facts;
}

/**
 * The metrics the services expose, read from the one place that defines them
 * (packages/observability/src/metrics.ts, SagaMetrics: the DESIGN.md catalogue plus the Node.js
 * default metrics), so dashboards and alerts cannot drift from the code. Every series also
 * carries the registry's default label `service`. Histograms expand to _bucket/_sum/_count.
 */
export async function loadMetrics(): Promise<
  Record<string, { labels: string[]; histogram: boolean }>
> {
  const { SagaMetrics } = await import('@order-saga/observability');
  const { registry } = new SagaMetrics('contract');
  const metrics: Record<string, { labels: string[]; histogram: boolean }> = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    const labelNames =
      (registry.getSingleMetric(metric.name) as unknown as { labelNames?: string[] }).labelNames ??
      [];
    metrics[metric.name] = {
      labels: [...labelNames],
      histogram: String(metric.type) === 'histogram',
    };
  }
  // Prometheus' own per-target series.
  metrics.up = { labels: [], histogram: false };
  return metrics;
}

/**
 * Labels every scraped series carries: the target labels (charts/order-saga/monitoring/README.md);
 * `run` only natively, where it tells one test run's services from another's.
 */
export const TARGET_LABELS = ['service', 'system', 'instance', 'job', 'namespace', 'pod', 'run'];

/**
 * Metrics (and labels) the rules and dashboards already use while other work adds them to the
 * catalogue. Whoever registers one removes its entry here in the same commit: the chart test fails
 * while an entry names something the catalogue already has.
 */
export const PENDING: Record<string, { labels: string[]; by: string }> = {};

/** Values the `outcome` label takes, per metric that has one. */
export const OUTCOMES: Record<string, readonly string[]> = {
  order_saga_duration_seconds: ['fulfilled', 'cancelled', 'compensation_failed'],
  saga_compensations_total: ['compensated', 'not_needed', 'failed'],
};

/** Exposed series name -> metric name, or undefined if no service exposes it. */
export function contractMetric(
  metrics: Record<string, { histogram: boolean }>,
  series: string,
): string | undefined {
  if (metrics[series]) return series;
  const base = series.replace(/_(bucket|sum|count)$/, '');
  return metrics[base]?.histogram ? base : undefined;
}

/** Grafana macros replaced by plain PromQL (defined with the monitoring folder's reader). */
export { fromGrafana } from '../../support/monitoring.ts';
