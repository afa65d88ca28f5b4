// Typed views on rendered objects for the policy checks.
import type { K8sObject } from './helm.ts';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

export interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
  };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  imagePullSecrets?: { name: string }[];
  volumes?: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
}

export interface PodTemplate {
  owner: K8sObject;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: PodSpec;
  /** helm test hooks run once and exit: no probes. */
  isTestHook: boolean;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  const result: PodTemplate[] = [];
  for (const o of objects) {
    if (o.kind === 'Pod') {
      result.push({
        owner: o,
        labels: o.metadata.labels ?? {},
        annotations: o.metadata.annotations ?? {},
        spec: o.spec as PodSpec,
        isTestHook: (o.metadata.annotations?.['helm.sh/hook'] ?? '').split(',').includes('test'),
      });
    } else if (WORKLOAD_KINDS.has(o.kind)) {
      const template = (
        o.spec as { template: { metadata?: PodTemplate['owner']['metadata']; spec: PodSpec } }
      ).template;
      result.push({
        owner: o,
        labels: template.metadata?.labels ?? {},
        annotations: template.metadata?.annotations ?? {},
        spec: template.spec,
        isTestHook: false,
      });
    }
  }
  return result;
}

export function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

export function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function byName(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

export function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/** Resolves a container's environment the way the kubelet would for plain values and ConfigMaps. */
export function environment(container: Container, objects: K8sObject[]): Map<string, EnvVar> {
  const env = new Map<string, EnvVar>();
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    const configMap = name ? byName(objects, 'ConfigMap', name) : undefined;
    for (const [key, value] of Object.entries(
      (configMap?.data as Record<string, string> | undefined) ?? {},
    )) {
      env.set(key, { name: key, value });
    }
  }
  for (const variable of container.env ?? []) env.set(variable.name, variable);
  return env;
}

/** Image reference parts; tag is undefined when the reference has none. */
export function parseImage(ref: string): { repository: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = ref.split('@') as [string, string | undefined];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  if (colon < 0) return { repository: withoutDigest, ...(digest ? { digest } : {}) };
  return {
    repository: withoutDigest.slice(0, colon),
    tag: withoutDigest.slice(colon + 1),
    ...(digest ? { digest } : {}),
  };
}
