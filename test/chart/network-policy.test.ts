// The opt-in NetworkPolicies, evaluated (support/network.ts) over the pods the chart renders and
// the pods the operators create next to them: each saga service reaches exactly DNS, the Kafka
// brokers, its PostgreSQL, Redis, the collector and the peers its configuration names; Prometheus
// reaches every service's metrics port; nothing else gets in or out.
import { beforeAll, describe, expect, it } from 'vitest';
import { NAMESPACE, render, type K8sObject } from './support/helm.ts';
import { byName, environment, ofKind, podTemplates } from './support/objects.ts';
import {
  allowed,
  policies,
  renderedPods,
  selects,
  type ModelPod,
  type Policy,
} from './support/network.ts';

const HTTP = 8080;

/**
 * Pods the operators create, with the labels their sources give them: Strimzi (node-pool pods carry
 * strimzi.io/cluster, strimzi.io/kind=Kafka, strimzi.io/broker-role / controller-role), CloudNativePG
 * (cnpg.io/cluster, cnpg.io/instanceRole), the OpenTelemetry Operator (SelectorLabels:
 * app.kubernetes.io/instance=<namespace>.<name>, component=opentelemetry-collector), CoreDNS on kind
 * (k8s-app=kube-dns), kube-prometheus-stack's Prometheus (app.kubernetes.io/name=prometheus).
 */
function operatorPods(objects: K8sObject[]): ModelPod[] {
  const kafka = ofKind(objects, 'Kafka')[0]?.metadata.name ?? 'missing';
  const pg = ofKind(objects, 'Cluster')[0]?.metadata.name ?? 'missing';
  const collector = ofKind(objects, 'OpenTelemetryCollector')[0]?.metadata.name;
  const strimzi = { 'strimzi.io/cluster': kafka, 'strimzi.io/kind': 'Kafka' };
  return [
    {
      name: 'kafka-broker',
      namespace: NAMESPACE,
      labels: {
        ...strimzi,
        'strimzi.io/name': `${kafka}-kafka`,
        'strimzi.io/pool-name': 'kafka',
        'strimzi.io/broker-role': 'true',
        'strimzi.io/controller-role': 'true',
      },
      ports: { 'tcp-clients': 9092, 'tcp-prometheus': 9404 },
    },
    {
      name: 'kafka-exporter',
      namespace: NAMESPACE,
      labels: { ...strimzi, 'strimzi.io/name': `${kafka}-kafka-exporter` },
      ports: { 'tcp-prometheus': 9404 },
    },
    {
      name: 'entity-operator',
      namespace: NAMESPACE,
      labels: { ...strimzi, 'strimzi.io/name': `${kafka}-entity-operator` },
      ports: {},
    },
    {
      name: 'postgres',
      namespace: NAMESPACE,
      labels: {
        'cnpg.io/cluster': pg,
        'cnpg.io/instanceRole': 'primary',
        'cnpg.io/podRole': 'instance',
      },
      ports: { postgresql: 5432, metrics: 9187 },
    },
    ...(collector
      ? [
          {
            name: 'collector',
            namespace: NAMESPACE,
            labels: {
              'app.kubernetes.io/component': 'opentelemetry-collector',
              'app.kubernetes.io/instance': `${NAMESPACE}.${collector}`,
              'app.kubernetes.io/managed-by': 'opentelemetry-operator',
              'app.kubernetes.io/part-of': 'opentelemetry',
              'app.kubernetes.io/name': `${collector}-collector`,
            },
            ports: { 'otlp-http': 4318 },
          },
        ]
      : []),
    {
      name: 'dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns' },
      ports: { dns: 53 },
    },
    {
      name: 'prometheus',
      namespace: 'monitoring',
      labels: {
        'app.kubernetes.io/name': 'prometheus',
        'operator.prometheus.io/name': 'kps-prometheus',
      },
      ports: { web: 9090 },
    },
    { name: 'stranger', namespace: 'elsewhere', labels: { app: 'curl' }, ports: {} },
    { name: 'api-server', namespace: 'default', labels: {}, ports: {}, ip: '172.18.0.2' },
  ];
}

/** The destinations and ports a client might try, each under a stable name. */
function destinations(
  pods: ModelPod[],
): { name: string; pod: ModelPod; port: number; protocol: string }[] {
  const named = (n: string) => pods.find((p) => p.name === n);
  const out: { name: string; pod: ModelPod; port: number; protocol: string }[] = [];
  const add = (name: string, podName: string, port: number, protocol = 'TCP') => {
    const pod = named(podName);
    if (pod) out.push({ name, pod, port, protocol });
  };
  add('dns/udp', 'dns', 53, 'UDP');
  add('dns/tcp', 'dns', 53);
  add('kafka', 'kafka-broker', 9092);
  add('kafka-metrics', 'kafka-broker', 9404);
  add('kafka-exporter', 'kafka-exporter', 9404);
  add('postgres', 'postgres', 5432);
  add('redis', 'order-saga-redis', 6379);
  add('collector', 'collector', 4318);
  add('api-server', 'api-server', 6443);
  add('prometheus', 'prometheus', 9090);
  add('stranger', 'stranger', HTTP);
  for (const pod of pods.filter((p) => p.ports.http === HTTP)) add(pod.name, pod.name, HTTP);
  return out;
}

/** What a saga service's own configuration says it talks to (env from the rendered pod spec). */
function expectedEgress(
  objects: K8sObject[],
  deployment: string,
  serviceOfPod: Map<string, string>,
): string[] {
  const template = podTemplates(objects).find((t) => t.owner.metadata.name === deployment);
  const container = template?.spec.containers[0];
  if (!container) throw new Error(`no pod template for ${deployment}`);
  const env = environment(container, objects);
  const hostOf = (url: string | undefined): string | undefined =>
    url ? new URL(url).hostname : undefined;
  const expected = ['dns/udp', 'dns/tcp', 'kafka'];
  if (env.has('DATABASE_URL')) expected.push('postgres');
  if (env.has('REDIS_URL')) expected.push('redis');
  if (env.get('TRACING')?.value !== 'off' && ofKind(objects, 'OpenTelemetryCollector').length > 0)
    expected.push('collector');
  for (const variable of ['PAYMENT_PROVIDER_URL', 'WEBHOOK_URL']) {
    const host = hostOf(env.get(variable)?.value);
    if (host) expected.push(serviceOfPod.get(host) ?? `<no pod behind Service ${host}>`);
  }
  if (env.get('PROVIDER_WATCH')?.value === 'endpointslices') expected.push('api-server');
  return expected.sort();
}

const profiles = [
  {
    name: 'platform (choreography)',
    values: ['charts/order-saga/ci/platform-values.yaml'],
    setJson: [],
  },
  {
    name: 'orchestration, tracing self',
    values: ['charts/order-saga/ci/orchestration-values.yaml'],
    setJson: ['networkPolicy.enabled=true'],
  },
  {
    name: 'minimal (no tracing, no monitoring)',
    values: ['charts/order-saga/ci/minimal-values.yaml'],
    setJson: ['networkPolicy.enabled=true'],
  },
];

describe.each(profiles)('NetworkPolicies, $name', ({ values, setJson }) => {
  let objects: K8sObject[];
  let all: Policy[];
  let pods: ModelPod[];
  let saga: ModelPod[];
  const serviceOfPod = new Map<string, string>();

  beforeAll(() => {
    objects = render({ values, setJson });
    all = policies(objects);
    pods = [...renderedPods(objects, NAMESPACE), ...operatorPods(objects)];
    saga = renderedPods(objects, NAMESPACE).filter(
      (p) => p.labels['app.kubernetes.io/component'] !== 'redis',
    );
    // Service name -> the model pod behind it (the Services the chart renders).
    for (const service of ofKind(objects, 'Service')) {
      const selector = (service.spec as { selector: Record<string, string> }).selector;
      const pod = pods.find(
        (p) => !p.ip && Object.entries(selector).every(([k, v]) => p.labels[k] === v),
      );
      if (pod) serviceOfPod.set(service.metadata.name, pod.name);
    }
  });

  it('one policy per saga service, selecting exactly its pods, both directions', () => {
    expect(all.map((p) => p.name).sort()).toEqual(saga.map((p) => p.name).sort());
    for (const policy of all) {
      const selected = pods.filter(
        (p) => p.namespace === policy.namespace && selects(policy.spec.podSelector, p.labels),
      );
      expect(
        selected.map((p) => p.name),
        policy.name,
      ).toEqual([policy.name]);
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    }
  });

  it('the modelled operator pods are the ones the chart already selects (PodMonitors, collector name)', () => {
    const kafkaMonitor = byName(objects, 'PodMonitor', 'order-saga-kafka');
    if (kafkaMonitor) {
      const selector = (kafkaMonitor.spec as { selector: { matchLabels: Record<string, string> } })
        .selector;
      expect(selects(selector, pods.find((p) => p.name === 'kafka-broker')?.labels ?? {})).toBe(
        true,
      );
      const pgMonitor = byName(objects, 'PodMonitor', 'order-saga-pg');
      const pgSelector = (pgMonitor?.spec as { selector: { matchLabels: Record<string, string> } })
        .selector;
      expect(selects(pgSelector, pods.find((p) => p.name === 'postgres')?.labels ?? {})).toBe(true);
    }
    const instrumentation = ofKind(objects, 'Instrumentation')[0];
    if (instrumentation) {
      const endpoint = (instrumentation.spec as { exporter: { endpoint: string } }).exporter
        .endpoint;
      const collector = ofKind(objects, 'OpenTelemetryCollector')[0]?.metadata.name;
      expect(endpoint).toBe(`http://${collector}-collector:4318`);
    }
  });

  it('each service reaches exactly what its configuration says it uses', () => {
    const targets = destinations(pods);
    for (const src of saga) {
      const reachable = targets
        .filter((t) => t.pod !== src && allowed(all, src, t.pod, t.port, t.protocol))
        .map((t) => t.name)
        .sort();
      expect(reachable, src.name).toEqual(expectedEgress(objects, src.name, serviceOfPod));
    }
  });

  it('Prometheus scrapes every service on the port its ServiceMonitor names; others get in only where called', () => {
    const prometheus = pods.find((p) => p.name === 'prometheus') as ModelPod;
    const stranger = pods.find((p) => p.name === 'stranger') as ModelPod;
    for (const dest of saga) {
      expect(allowed(all, prometheus, dest, HTTP), `prometheus -> ${dest.name}`).toBe(true);
      expect(allowed(all, prometheus, dest, 9999), `prometheus -> ${dest.name}:9999`).toBe(false);
      const isApi = dest.labels['app.kubernetes.io/component'] === 'orders-service';
      expect(allowed(all, stranger, dest, HTTP), `stranger -> ${dest.name}`).toBe(isApi);
    }
    for (const monitor of ofKind(objects, 'ServiceMonitor')) {
      const endpoints = (monitor.spec as { endpoints: { port: string }[] }).endpoints;
      expect(endpoints.map((e) => e.port)).toEqual(['http']);
    }
  });

  it('the evaluator itself can say no: without the DNS rule, DNS is denied', () => {
    const src = saga[0] as ModelPod;
    const dns = pods.find((p) => p.name === 'dns') as ModelPod;
    expect(allowed(all, src, dns, 53, 'UDP')).toBe(true);
    const withoutDns = all.map((p) => ({
      ...p,
      spec: {
        ...p.spec,
        egress: (p.spec.egress ?? []).filter(
          (r) => !(r.ports ?? []).some((port) => port.port === 53),
        ),
      },
    }));
    expect(allowed(withoutDns, src, dns, 53, 'UDP')).toBe(false);
    expect(allowed([], src, dns, 53, 'UDP')).toBe(true);
  });
});

describe('NetworkPolicies are opt-in', () => {
  it('none by default', () => {
    expect(ofKind(render(), 'NetworkPolicy')).toEqual([]);
  });
});
