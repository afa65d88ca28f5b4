// The few calls of Prometheus' HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/)
// the tests make against the native stack's server.
import { resolveStackEndpoints } from '../../scripts/stack/endpoints.ts';

export const prometheusUrl = resolveStackEndpoints(process.env).prometheus.url;

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export type QueryResult =
  | { status: 'success'; data: { resultType: string; result: Sample[] | [number, string] } }
  | { status: 'error'; errorType: string; error: string };

async function get<T>(path: string): Promise<T> {
  const response = await fetch(`${prometheusUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  return (await response.json()) as T;
}

/** An instant query. Errors (bad syntax, bad types) come back as status 'error', not thrown. */
export function query(expr: string): Promise<QueryResult> {
  return get(`/api/v1/query?query=${encodeURIComponent(expr)}`);
}

/** The samples of an instant vector query (scalars come back as one sample without labels). */
export async function samples(expr: string): Promise<Sample[]> {
  const result = await query(expr);
  if (result.status !== 'success') throw new Error(`${expr}: ${result.error}`);
  const { resultType, result: data } = result.data;
  if (resultType === 'scalar') return [{ metric: {}, value: data as [number, string] }];
  return data as Sample[];
}

export interface LoadedRule {
  name: string;
  type: 'alerting' | 'recording';
  query: string;
  health: string;
  lastError?: string;
}

export async function loadedRules(): Promise<{ file: string; rules: LoadedRule[] }[]> {
  const body = await get<{ data: { groups: { file: string; rules: LoadedRule[] }[] } }>(
    '/api/v1/rules',
  );
  return body.data.groups;
}

export interface Target {
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export async function activeTargets(): Promise<Target[]> {
  const body = await get<{ data: { activeTargets: Target[] } }>('/api/v1/targets?state=active');
  return body.data.activeTargets;
}
