// NetworkPolicy semantics (networking.k8s.io/v1), evaluated over a model of the cluster: the pods
// the chart renders plus the pods the operators create, with the labels those operators put on
// them. A connection is allowed when the source may send it (no Egress policy selects the source,
// or one of them allows it) and the destination may receive it (likewise for Ingress).
import type { K8sObject } from './helm.ts';
import { podTemplates } from './objects.ts';

export interface ModelPod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** Named container ports, for policies that name them. */
  ports: Record<string, number>;
  /** Set for endpoints that are addresses rather than pods (the API server). */
  ip?: string;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  port?: number | string;
  protocol?: string;
  endPort?: number;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}
interface PolicySpec {
  podSelector: LabelSelector;
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

export function selects(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        return value !== undefined && (e.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(e.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  });
  return byLabel && byExpression;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const toInt = (a: string): number =>
    a.split('.').reduce((n, octet) => n * 256 + Number(octet), 0) >>> 0;
  const size = Number(bits);
  if (size === 0) return true;
  const mask = (~0 << (32 - size)) >>> 0;
  return (toInt(ip) & mask) === (toInt(base) & mask);
}

const namespaceLabels = (namespace: string): Record<string, string> => ({
  'kubernetes.io/metadata.name': namespace,
});

/** Does one peer entry of a policy in `policyNamespace` cover `pod`? */
function peerMatches(peer: Peer, policyNamespace: string, pod: ModelPod): boolean {
  if (peer.ipBlock) {
    if (!pod.ip) return false; // pods of the model have no address: only ipBlock endpoints do
    return (
      inCidr(pod.ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((c) => inCidr(pod.ip ?? '', c))
    );
  }
  if (pod.ip) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(pod.namespace))
    : pod.namespace === policyNamespace;
  return namespaceOk && selects(peer.podSelector, pod.labels);
}

function portMatches(
  ports: PolicyPort[] | undefined,
  dest: ModelPod,
  port: number,
  protocol: string,
): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === 'number' ? p.port : dest.ports[p.port];
    if (number === undefined) return false;
    return p.endPort ? port >= number && port <= p.endPort : port === number;
  });
}

export interface Policy {
  name: string;
  namespace: string;
  spec: PolicySpec;
}

export function policies(objects: K8sObject[]): Policy[] {
  return objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => ({
      name: o.metadata.name,
      namespace: o.metadata.namespace ?? 'default',
      spec: o.spec as PolicySpec,
    }));
}

const types = (p: Policy): string[] =>
  p.spec.policyTypes ?? (p.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);

/** Whether `src` may open a connection to `dest` on `port`/`protocol` under `all` policies. */
export function allowed(
  all: Policy[],
  src: ModelPod,
  dest: ModelPod,
  port: number,
  protocol = 'TCP',
): boolean {
  const egressPolicies = all.filter(
    (p) =>
      !src.ip &&
      p.namespace === src.namespace &&
      types(p).includes('Egress') &&
      selects(p.spec.podSelector, src.labels),
  );
  const egressOk =
    egressPolicies.length === 0 ||
    egressPolicies.some((p) =>
      (p.spec.egress ?? []).some(
        (rule) =>
          (rule.to === undefined ||
            rule.to.length === 0 ||
            rule.to.some((peer) => peerMatches(peer, p.namespace, dest))) &&
          portMatches(rule.ports, dest, port, protocol),
      ),
    );
  const ingressPolicies = all.filter(
    (p) =>
      !dest.ip &&
      p.namespace === dest.namespace &&
      types(p).includes('Ingress') &&
      selects(p.spec.podSelector, dest.labels),
  );
  const ingressOk =
    ingressPolicies.length === 0 ||
    ingressPolicies.some((p) =>
      (p.spec.ingress ?? []).some(
        (rule) =>
          (rule.from === undefined ||
            rule.from.length === 0 ||
            rule.from.some((peer) => peerMatches(peer, p.namespace, src))) &&
          portMatches(rule.ports, dest, port, protocol),
      ),
    );
  return egressOk && ingressOk;
}

/** The chart's own workloads as model pods (one per pod template, helm test hooks excluded). */
export function renderedPods(objects: K8sObject[], namespace: string): ModelPod[] {
  return podTemplates(objects)
    .filter((t) => !t.isTestHook)
    .map((t) => ({
      name: t.owner.metadata.name,
      namespace,
      labels: t.labels,
      ports: Object.fromEntries(
        t.spec.containers.flatMap((c) =>
          (c.ports ?? []).filter((p) => p.name).map((p) => [p.name as string, p.containerPort]),
        ),
      ),
    }));
}
