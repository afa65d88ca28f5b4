// What a platform team checks before running the chart: disruption budgets where more than one
// replica runs, replicas spread over nodes and zones, an autoscaler whose ceiling is the partition
// count, every third-party image pinned by digest. Runs over every values profile.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  id,
  notes,
  profiles,
  render,
  repoRoot,
  tryRender,
  type K8sObject,
} from './support/helm.ts';
import { matches, ofKind, parseImage, podTemplates } from './support/objects.ts';

interface Deployment {
  replicas?: number;
  template: {
    metadata: { labels: Record<string, string> };
    spec: { topologySpreadConstraints?: Spread[] };
  };
}
interface Spread {
  topologyKey: string;
  maxSkew: number;
  whenUnsatisfiable: string;
  labelSelector: { matchLabels: Record<string, string> };
  matchLabelKeys?: string[];
}
interface Autoscaler {
  scaleTargetRef: { apiVersion: string; kind: string; name: string };
  minReplicas: number;
  maxReplicas: number;
}

const sagaDeployments = (objects: K8sObject[]): K8sObject[] =>
  ofKind(objects, 'Deployment').filter(
    (d) => d.metadata.labels?.['app.kubernetes.io/component'] !== 'redis',
  );
const partitions = (objects: K8sObject[]): number =>
  (ofKind(objects, 'KafkaTopic')[0]?.spec as { partitions: number }).partitions;

describe.each(profiles())('profile $name', (profile) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = render({ values: profile.values });
  });

  /** Replica range of each saga Deployment: fixed, or its HPA's. */
  const range = (deployment: K8sObject): { min: number; max: number; hpa?: K8sObject } => {
    const hpa = ofKind(objects, 'HorizontalPodAutoscaler').find(
      (h) => (h.spec as Autoscaler).scaleTargetRef.name === deployment.metadata.name,
    );
    if (hpa) {
      const spec = hpa.spec as Autoscaler;
      return { min: spec.minReplicas, max: spec.maxReplicas, hpa };
    }
    const replicas = (deployment.spec as Deployment).replicas ?? 1;
    return { min: replicas, max: replicas };
  };

  it('a PodDisruptionBudget for exactly the services that can run more than one replica', () => {
    const budgets = ofKind(objects, 'PodDisruptionBudget');
    for (const deployment of sagaDeployments(objects)) {
      const labels = (deployment.spec as Deployment).template.metadata.labels;
      const own = budgets.filter((b) =>
        matches(
          (b.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
          labels,
        ),
      );
      if (range(deployment).max > 1) {
        expect(own.map(id), id(deployment)).toHaveLength(1);
        expect(own[0]?.spec).toMatchObject({ maxUnavailable: 1 });
      } else {
        expect(own, id(deployment)).toEqual([]);
      }
    }
    // A budget never selects pods of two services.
    for (const budget of budgets) {
      const selector = (budget.spec as { selector: { matchLabels: Record<string, string> } })
        .selector.matchLabels;
      const selected = podTemplates(objects).filter((t) => matches(selector, t.labels));
      expect(
        selected.map((t) => id(t.owner)),
        id(budget),
      ).toHaveLength(1);
    }
  });

  it('replicas spread over nodes and zones, counting only their own rollout', () => {
    for (const deployment of sagaDeployments(objects)) {
      const spec = deployment.spec as Deployment;
      const spread = spec.template.spec.topologySpreadConstraints ?? [];
      if (range(deployment).max > 1) {
        expect(
          spread.map((s) => s.topologyKey),
          id(deployment),
        ).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
        for (const s of spread) {
          expect(matches(s.labelSelector.matchLabels, spec.template.metadata.labels)).toBe(true);
          expect(s.matchLabelKeys).toEqual(['pod-template-hash']);
          expect(s.whenUnsatisfiable).toBe('ScheduleAnyway');
        }
      } else {
        expect(spread, id(deployment)).toEqual([]);
      }
    }
  });

  it('an autoscaled Deployment leaves replicas to its HPA, whose ceiling is at most the partition count', () => {
    for (const hpa of ofKind(objects, 'HorizontalPodAutoscaler')) {
      const spec = hpa.spec as Autoscaler;
      const target = sagaDeployments(objects).find(
        (d) => d.metadata.name === spec.scaleTargetRef.name,
      );
      expect(target, id(hpa)).toBeDefined();
      expect(spec.scaleTargetRef).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
      expect(
        (target?.spec as Deployment).replicas,
        'helm upgrade must not reset the HPA',
      ).toBeUndefined();
      expect(spec.maxReplicas).toBeLessThanOrEqual(partitions(objects));
      expect(spec.minReplicas).toBeLessThanOrEqual(spec.maxReplicas);
    }
  });

  it('third-party images the chart deploys itself are pinned by digest', () => {
    const redis = ofKind(objects, 'Deployment').filter(
      (d) => d.metadata.labels?.['app.kubernetes.io/component'] === 'redis',
    );
    for (const template of podTemplates(redis))
      for (const container of template.spec.containers) {
        const image = parseImage(container.image ?? '');
        expect(image.tag, container.image).toMatch(/^\d+\.\d+\.\d+-alpine$/);
        expect(image.digest, container.image).toMatch(/^sha256:[a-f0-9]{64}$/);
      }
  });
});

describe('the platform profile', () => {
  const objects = render({ values: ['charts/order-saga/ci/platform-values.yaml'] });

  it('has budgets, spread and autoscalers to check (the assertions above are not vacuous)', () => {
    expect(ofKind(objects, 'PodDisruptionBudget').length).toBeGreaterThanOrEqual(3);
    expect(
      ofKind(objects, 'HorizontalPodAutoscaler')
        .map((h) => h.metadata.name)
        .sort(),
    ).toEqual(['order-saga-fulfillment-service', 'order-saga-orders-service']);
    const hpa = (name: string) =>
      ofKind(objects, 'HorizontalPodAutoscaler').find((h) => h.metadata.name === name)
        ?.spec as Autoscaler;
    // maxReplicas null = the partition count.
    expect(hpa('order-saga-orders-service').maxReplicas).toBe(partitions(objects));
    expect(hpa('order-saga-fulfillment-service').maxReplicas).toBe(4);
    expect(ofKind(objects, 'NetworkPolicy').length).toBeGreaterThan(0);
  });
});

describe('the chart refuses', () => {
  const expectRejected = (setJson: string[], message: RegExp): void => {
    const result = tryRender({ setJson });
    expect(result.status, setJson.join(' ')).not.toBe(0);
    expect(result.stderr).toMatch(message);
  };

  it('an autoscaling ceiling above the partition count, or a floor above the ceiling', () => {
    expectRejected(
      [
        'services.orders-service.autoscaling={"enabled":true,"minReplicas":2,"maxReplicas":7,"targetCPUUtilizationPercentage":70}',
      ],
      /autoscaling\.maxReplicas: 7 is above kafka\.topics\.partitions \(6\)/,
    );
    expectRejected(
      [
        'services.orders-service.autoscaling={"enabled":true,"minReplicas":5,"maxReplicas":3,"targetCPUUtilizationPercentage":70}',
      ],
      /autoscaling\.minReplicas: 5 is above maxReplicas \(3\)/,
    );
  });

  it('a Redis image without a digest', () => {
    expectRejected(['redis.image.digest=null'], /digest/);
    expectRejected(['redis.image.digest="sha256:abc"'], /digest/);
  });

  it('an unknown NetworkPolicy setting or a peer without pod labels', () => {
    expectRejected(['networkPolicy.enabeld=true'], /additional properties 'enabeld' not allowed/i);
    expectRejected(['networkPolicy.dns.podLabels=null'], /podLabels/);
  });
});

describe('NOTES.txt', () => {
  const kpsValues = parse(
    readFileSync(join(repoRoot, 'k8s', 'values', 'kube-prometheus-stack.yaml'), 'utf8'),
  ) as {
    grafana: { service: { nodePort: number } };
    prometheus: { service: { nodePort: number } };
  };
  const mapped = (
    parse(readFileSync(join(repoRoot, 'kind-config.yaml'), 'utf8')) as {
      nodes: { extraPortMappings: { hostPort: number }[] }[];
    }
  ).nodes.flatMap((n) => n.extraPortMappings.map((m) => m.hostPort));

  it('on kind: the API, Grafana and Prometheus on the NodePorts kind-config.yaml maps, Jaeger by port-forward', () => {
    const text = notes({ values: ['k8s/values/order-saga-kind.yaml'] });
    expect(text).toContain('curl -s http://localhost:30080/health/ready');
    const grafana = kpsValues.grafana.service.nodePort;
    const prometheus = kpsValues.prometheus.service.nodePort;
    expect(text).toContain(`Grafana     http://localhost:${grafana}`);
    expect(text).toContain(`Prometheus  http://localhost:${prometheus}`);
    for (const port of [30080, grafana, prometheus]) expect(mapped).toContain(port);
    expect(text).toContain('kubectl -n observability port-forward svc/jaeger 16686:16686');
    expect(text).toMatch(
      /the saga overview, Kafka \(Strimzi\), KRaft, PostgreSQL \(CloudNativePG\)/,
    );
    expect(text).toContain('helm test order-saga -n saga --logs');
  });

  it('elsewhere: a port-forward to the API Service the chart renders', () => {
    const text = notes();
    expect(text).toContain('kubectl -n saga port-forward svc/order-saga-orders-service 8080:8080');
    expect(
      render().some((o) => o.kind === 'Service' && o.metadata.name === 'order-saga-orders-service'),
    ).toBe(true);
  });

  it('mentions only what is deployed: no Jaeger or dashboards without them, the platform features when on', () => {
    const minimal = notes({ values: ['charts/order-saga/ci/minimal-values.yaml'] });
    expect(minimal).not.toContain('jaeger');
    expect(minimal).not.toContain('Grafana');
    expect(minimal).not.toContain('NetworkPolicies');
    const platform = notes({ values: ['charts/order-saga/ci/platform-values.yaml'] });
    expect(platform).toContain('kubectl -n saga get networkpolicies');
    expect(platform).toContain(
      'Autoscaled on CPU (fulfillment-service, orders-service), at most kafka.topics.partitions=6',
    );
  });
});
