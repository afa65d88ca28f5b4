// The chart's monitoring folder (charts/order-saga/monitoring) as data: rule files, their rules,
// dashboards and every panel query. Read by the chart tests (static checks, promtool) and by the
// end-to-end test that evaluates it all against the stack's real Prometheus.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const monitoringDir = resolve(import.meta.dirname, '../../charts/order-saga/monitoring');
export const rulesDir = join(monitoringDir, 'rules');
export const dashboardsDir = join(monitoringDir, 'dashboards');
export const ruleTestsDir = join(monitoringDir, 'tests');

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleFile {
  file: string;
  groups: { name: string; rules: Rule[] }[];
}

export const ruleFiles: RuleFile[] = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((file) => ({
    file,
    ...(parse(readFileSync(join(rulesDir, file), 'utf8')) as Omit<RuleFile, 'file'>),
  }));
export const rules: Rule[] = ruleFiles.flatMap((f) => f.groups.flatMap((g) => g.rules));
export const alertRules = rules.filter((r) => r.alert !== undefined);
export const recordingRules = rules.filter((r) => r.record !== undefined);

export interface Panel {
  id: number;
  type: string;
  title: string;
  repeat?: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; legendFormat?: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}

export const dashboards = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({
    file,
    text: readFileSync(join(dashboardsDir, file), 'utf8'),
    json: JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as Dashboard,
  }));

export interface PanelQuery {
  /** `<file>: <panel title>` */
  panel: string;
  /** The row the panel sits in ('' before the first row). */
  row: string;
  expr: string;
}

/** Every target of every panel, in dashboard order, with the row it belongs to. */
export const panelQueries: PanelQuery[] = dashboards.flatMap(({ file, json }) => {
  const queries: PanelQuery[] = [];
  let row = '';
  for (const panel of json.panels) {
    if (panel.type === 'row') row = panel.title;
    for (const p of [panel, ...(panel.panels ?? [])])
      for (const target of p.targets ?? [])
        queries.push({ panel: `${file}: ${p.title}`, row, expr: target.expr });
  }
  return queries;
});

/**
 * Grafana macros and template variables replaced by plain PromQL. `$__rate_interval` becomes a
 * window that holds several scrapes at any interval the stack uses; `$service` (or any other
 * variable) becomes the regex `values` ('.+' when not given), as Grafana's "All" does.
 */
export function fromGrafana(query: string, values = '.+'): string {
  return query
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '5m')
    .replaceAll(/\$\{?[a-zA-Z_]+\}?/g, values);
}
