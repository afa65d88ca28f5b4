// The Kafka (Strimzi), KRaft and CloudNativePG dashboards (monitoring/operator-dashboards/): valid PromQL,
// only the metrics and labels those components expose, the saga dashboards' datasource
// convention, and shipped unchanged in their ConfigMap.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartDir, render } from './support/helm.ts';
import { analyze, fromGrafana } from './support/promql.ts';

/**
 * What the chart's Kafka and PostgreSQL pods expose, with each metric's own labels. Sources:
 * the Strimzi Metrics Reporter's names for the broker's Yammer/Kafka metrics (as in Strimzi's
 * packaging/examples/metrics/strimzi-metrics-reporter dashboards) and the Kafka Exporter's
 * kafka_consumergroup_lag; CloudNativePG's instance exporter: cnpg_collector_up plus the
 * default monitoring queries (config/manager/default-monitoring.yaml: backends, backends_waiting,
 * pg_database, pg_replication, pg_stat_database), named cnpg_<query>_<column>.
 */
const OPERATOR_METRICS: Record<string, string[]> = {
  kafka_server_replicamanager_leadercount: [],
  kafka_server_replicamanager_partitioncount: [],
  kafka_server_replicamanager_underreplicatedpartitions: [],
  kafka_controller_kafkacontroller_activecontrollercount: [],
  kafka_controller_kafkacontroller_offlinepartitionscount: [],
  kafka_cluster_partition_underminisr: ['topic', 'partition'],
  kafka_server_brokertopicmetrics_messagesinpersec_total: ['topic'],
  kafka_server_brokertopicmetrics_bytesinpersec_total: ['topic'],
  kafka_server_brokertopicmetrics_bytesoutpersec_total: ['topic'],
  kafka_server_raft_metrics_current_leader: [],
  kafka_server_raft_metrics_current_epoch: [],
  kafka_server_raft_metrics_current_vote: [],
  kafka_server_raft_metrics_current_state: ['current_state'],
  jvm_memory_used_bytes: ['area', 'id'],
  kafka_consumergroup_lag: ['consumergroup', 'topic', 'partition'],
  cnpg_collector_up: ['cluster'],
  cnpg_backends_total: ['datname', 'usename', 'application_name', 'state'],
  cnpg_backends_max_tx_duration_seconds: ['datname', 'usename', 'application_name', 'state'],
  cnpg_backends_waiting_total: [],
  cnpg_pg_database_size_bytes: ['datname'],
  cnpg_pg_replication_lag: [],
  cnpg_pg_replication_streaming_replicas: [],
  cnpg_pg_stat_database_xact_commit: ['datname'],
  cnpg_pg_stat_database_xact_rollback: ['datname'],
  cnpg_pg_stat_database_blks_hit: ['datname'],
  cnpg_pg_stat_database_blks_read: ['datname'],
};
/** Labels the Prometheus Operator puts on every series a PodMonitor scrapes. */
const POD_MONITOR_LABELS = ['namespace', 'pod', 'container', 'endpoint', 'job', 'instance'];

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}

const dir = join(chartDir, 'monitoring', 'operator-dashboards');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const dashboards = files.map((file) => ({
  file,
  text: readFileSync(join(dir, file), 'utf8'),
  json: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard,
}));

function problems(query: string): string[] {
  const facts = analyze(query);
  const out: string[] = [];
  if (facts.errors.length > 0) out.push(`syntax error at ${facts.errors.join(', ')}`);
  const known = facts.metrics.filter((m) => OPERATOR_METRICS[m] !== undefined);
  for (const m of facts.metrics.filter((x) => OPERATOR_METRICS[x] === undefined))
    out.push(`metric ${m} is not exposed by Strimzi, the Kafka Exporter or CloudNativePG`);
  const allowed = new Set([
    ...POD_MONITOR_LABELS,
    ...known.flatMap((m) => OPERATOR_METRICS[m] ?? []),
  ]);
  for (const label of facts.labels.filter((l) => !allowed.has(l)))
    out.push(`label ${label} does not exist on ${facts.metrics.join(', ')}`);
  return out;
}

describe('operator dashboards (monitoring/operator-dashboards)', () => {
  it('are the Kafka, KRaft and CloudNativePG dashboards, with unique uids and panel ids', () => {
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual([
      'order-saga-cloudnative-pg',
      'order-saga-kafka',
      'order-saga-kraft',
    ]);
    for (const { file, json } of dashboards) {
      expect(json.title, file).toMatch(/^Order Saga \/ /);
      const ids = json.panels.map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      expect(json.panels.length, file).toBeGreaterThan(5);
    }
  });

  it('select Prometheus through the datasource variable and filter by a namespace variable', () => {
    for (const { file, json } of dashboards) {
      expect(json.templating.list.find((v) => v.name === 'datasource')).toMatchObject({
        type: 'datasource',
        query: 'prometheus',
      });
      const namespace = json.templating.list.find((v) => v.name === 'namespace');
      const query = (namespace?.query as { query: string }).query;
      const match = /^label_values\(([a-z_]+), namespace\)$/.exec(query);
      expect(match && OPERATOR_METRICS[match[1] ?? ''], `${file}: ${query}`).toBeDefined();
      for (const panel of json.panels) {
        expect(panel.datasource, `${file}: ${panel.title}`).toEqual({
          type: 'prometheus',
          uid: '${datasource}',
        });
        for (const target of panel.targets ?? []) {
          expect(target.datasource?.uid).toBe('${datasource}');
          expect(target.expr, `${file}: ${panel.title}`).toContain('namespace="$namespace"');
        }
      }
    }
  });

  const queries = dashboards.flatMap(({ file, json }) =>
    json.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => [`${file}: ${p.title}`, t.expr] as const),
    ),
  );
  it.each(queries)('%s: valid PromQL on metrics the operators expose', (_panel, expr) => {
    expect(problems(fromGrafana(expr))).toEqual([]);
  });

  it('the check catches a misspelt metric and a label the metric does not have', () => {
    expect(problems('sum(kafka_server_replicamanager_underreplicatedpartition)')).toEqual([
      'metric kafka_server_replicamanager_underreplicatedpartition is not exposed by Strimzi, the Kafka Exporter or CloudNativePG',
    ]);
    expect(problems('sum by (datname) (cnpg_backends_waiting_total)')).toEqual([
      'label datname does not exist on cnpg_backends_waiting_total',
    ]);
  });

  it('ship unchanged in the operator dashboards ConfigMap, next to what feeds them', () => {
    const objects = render();
    const configMap = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'order-saga-operator-dashboards',
    );
    expect(Object.keys((configMap?.data as Record<string, string>) ?? {}).sort()).toEqual(
      files.sort(),
    );
    for (const { file, text } of dashboards)
      expect((configMap?.data as Record<string, string>)[file]).toBe(text.replace(/\n$/, ''));
    expect(configMap?.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    // The metrics exist only because the chart turns on the reporter and the exporter.
    const kafka = objects.find((o) => o.kind === 'Kafka')?.spec as {
      kafka: { metricsConfig: { type: string } };
      kafkaExporter?: unknown;
    };
    expect(kafka.kafka.metricsConfig.type).toBe('strimziMetricsReporter');
    expect(kafka.kafkaExporter).toBeDefined();
    expect(
      objects
        .filter((o) => o.kind === 'PodMonitor')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['order-saga-kafka', 'order-saga-pg']);
  });
});
