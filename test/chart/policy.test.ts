// Policies on the rendered output of every profile: what a reviewer would check by hand on each
// change, made mechanical.
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOPICS } from '@order-saga/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDER_WATCHES } from '../../services/payments-adapter/src/config.ts';
import {
  chartDir,
  id,
  profiles,
  render,
  RELEASE,
  NAMESPACE,
  type K8sObject,
} from './support/helm.ts';
import {
  allContainers,
  byName,
  environment,
  matches,
  ofKind,
  parseImage,
  podTemplates,
  type Container,
  type PodTemplate,
} from './support/objects.ts';
import {
  imageTagProblems,
  nonRootProblems,
  probeProblems,
  resourceProblems,
  secretReferenceProblems,
  serviceMonitorProblems,
} from './support/policy.ts';

const SERVICE_PORT = 8080;

interface SchemaWithWatch {
  readonly definitions: {
    readonly service: {
      readonly properties: {
        readonly paymentProvider: {
          readonly oneOf: ReadonlyArray<{
            readonly type: string;
            readonly properties?: { readonly watch: { readonly enum: readonly string[] } };
          }>;
        };
      };
    };
  };
}

it("the chart's paymentProvider.watch choices are exactly the adapter's PROVIDER_WATCH values", () => {
  const schema = JSON.parse(
    readFileSync(join(chartDir, 'values.schema.json'), 'utf8'),
  ) as SchemaWithWatch;
  const entry = schema.definitions.service.properties.paymentProvider.oneOf.find(
    (option) => option.type === 'object',
  );
  expect([...(entry?.properties?.watch.enum ?? [])].sort()).toEqual([...PROVIDER_WATCHES].sort());
});

describe.each(profiles())('profile $name', (profile) => {
  let objects: K8sObject[] = [];
  let pods: PodTemplate[] = [];
  beforeAll(() => {
    objects = render({ values: profile.values });
    pods = podTemplates(objects);
  });

  describe('containers', () => {
    it('have liveness and readiness probes (helm test pods excepted: they run once and exit)', () => {
      expect(pods.length).toBeGreaterThan(0);
      expect(probeProblems(objects)).toEqual([]);
    });

    it('request CPU and memory and limit memory', () => {
      expect(resourceProblems(objects)).toEqual([]);
    });

    it('run as a numeric non-root user', () => {
      expect(nonRootProblems(objects)).toEqual([]);
    });

    it('use a pinned image tag (no latest, no missing tag)', () => {
      expect(imageTagProblems(objects)).toEqual([]);
      for (const imageName of ofKind(objects, 'Cluster').map(
        (c) => (c.spec as { imageName: string }).imageName,
      )) {
        expect(parseImage(imageName).tag).toMatch(/^(?!latest$)\S+$/);
      }
    });

    it('define each environment variable and port name once (Helm 4 server-side apply rejects duplicates)', () => {
      for (const pod of pods) {
        for (const c of pod.spec.containers) {
          const env = (c.env ?? []).map((e) => e.name);
          expect(new Set(env).size, `${id(pod.owner)}/${c.name} env`).toBe(env.length);
          const ports = (c.ports ?? []).map((p) => p.name);
          expect(new Set(ports).size, `${id(pod.owner)}/${c.name} ports`).toBe(ports.length);
        }
      }
    });

    it('of the saga services have a read-only root filesystem by default', () => {
      if (profile.name === 'default') {
        const writable = pods
          .filter((pod) => !pod.isTestHook)
          .flatMap((pod) => pod.spec.containers.map((c) => ({ pod, c })))
          .filter(({ c }) => c.securityContext?.readOnlyRootFilesystem !== true)
          .map(({ pod, c }) => `${id(pod.owner)}/${c.name}`);
        expect(writable).toEqual([]);
      }
    });
  });

  describe('references', () => {
    it('every Secret reference names a Secret (and key) the chart or an operator creates', () => {
      expect(secretReferenceProblems(objects)).toEqual([]);
    });

    it('every ConfigMap and ServiceAccount a pod uses is rendered', () => {
      const problems: string[] = [];
      for (const pod of pods) {
        const sa = pod.spec.serviceAccountName;
        if (sa && !byName(objects, 'ServiceAccount', sa))
          problems.push(`${id(pod.owner)}: ServiceAccount ${sa}`);
        for (const c of allContainers(pod.spec)) {
          for (const source of c.envFrom ?? []) {
            const name = source.configMapRef?.name;
            if (name && !byName(objects, 'ConfigMap', name))
              problems.push(`${id(pod.owner)}: ConfigMap ${name}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('every ServiceMonitor selects an existing Service and one of its port names', () => {
      expect(ofKind(objects, 'ServiceMonitor').length > 0).toBe(profile.name !== 'minimal');
      expect(serviceMonitorProblems(objects)).toEqual([]);
    });

    it('every Service selects a rendered pod template that has the target port', () => {
      const problems: string[] = [];
      for (const service of ofKind(objects, 'Service')) {
        const spec = service.spec as {
          selector: Record<string, string>;
          ports: { targetPort: string | number }[];
        };
        const targets = pods.filter((pod) => !pod.isTestHook && matches(spec.selector, pod.labels));
        if (targets.length !== 1)
          problems.push(`${id(service)} selects ${targets.length} workloads`);
        for (const port of spec.ports) {
          const named = targets.every((pod) =>
            pod.spec.containers.some((c) =>
              (c.ports ?? []).some(
                (p) => p.name === port.targetPort || p.containerPort === port.targetPort,
              ),
            ),
          );
          if (!named) problems.push(`${id(service)}: target port ${port.targetPort} not exposed`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('every workload selector matches its own pod template labels', () => {
      for (const pod of pods.filter((p) => p.owner.kind === 'Deployment')) {
        const selector = (pod.owner.spec as { selector: { matchLabels: Record<string, string> } })
          .selector.matchLabels;
        expect(matches(selector, pod.labels), id(pod.owner)).toBe(true);
        expect(
          Object.keys(selector),
          'selector labels are immutable: no version in them',
        ).not.toContain('app.kubernetes.io/version');
      }
    });

    it('PodMonitors select pods of a rendered Kafka or PostgreSQL cluster', () => {
      const kafkas = ofKind(objects, 'Kafka').map((o) => o.metadata.name);
      const clusters = ofKind(objects, 'Cluster').map((o) => o.metadata.name);
      for (const monitor of ofKind(objects, 'PodMonitor')) {
        const labels = (monitor.spec as { selector: { matchLabels: Record<string, string> } })
          .selector.matchLabels;
        const target = labels['strimzi.io/cluster'] ?? labels['cnpg.io/cluster'];
        expect([...kafkas, ...clusters], id(monitor)).toContain(target);
      }
    });
  });

  describe('service wiring', () => {
    const sagaServices = (): PodTemplate[] =>
      pods.filter((p) => p.owner.kind === 'Deployment' && p.spec.containers[0]?.name === 'app');

    it('tracing: one SDK per pod, the injected one or the services own, or none at all', () => {
      const instrumentations = ofKind(objects, 'Instrumentation').map((o) => o.metadata.name);
      for (const pod of sagaServices()) {
        const container = pod.spec.containers[0];
        if (!container) throw new Error('no container');
        const env = environment(container, objects);
        const inject = pod.annotations['instrumentation.opentelemetry.io/inject-nodejs'];
        const disabled = env.get('OTEL_SDK_DISABLED')?.value === 'true';
        const endpoint = container.env?.find((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT');
        if (inject !== undefined) {
          expect(instrumentations).toContain(inject);
          // The operator appends its --require to NODE_OPTIONS and cannot when it uses valueFrom.
          expect(env.get('NODE_OPTIONS')).toBeUndefined();
          // Both SDKs read it: it would switch the injected one off as well.
          expect(disabled, id(pod.owner)).toBe(false);
          // Exporter settings come from the Instrumentation, not from the pod.
          expect(endpoint, id(pod.owner)).toBeUndefined();
        } else if (!disabled) {
          // The services' own bootstrap starts the SDK: it needs somewhere to export to.
          expect(endpoint?.value, id(pod.owner)).toMatch(/^https?:\/\//);
        }
        if (!disabled) {
          // In `env`, not the ConfigMap: the operator only looks at `env` before adding its own.
          expect(container.env?.find((e) => e.name === 'OTEL_SERVICE_NAME')?.value).toBe(
            pod.labels['app.kubernetes.io/component'],
          );
          expect(container.env?.find((e) => e.name === 'OTEL_EXPORTER_OTLP_PROTOCOL')?.value).toBe(
            'http/protobuf',
          );
        }
      }
    });

    it('DATABASE_URL is composed from the role Secret and points at an existing database', () => {
      const clusters = ofKind(objects, 'Cluster').map((o) => o.metadata.name);
      const databases = ofKind(objects, 'Database').map(
        (o) => o.spec as { name: string; owner: string; cluster: { name: string } },
      );
      for (const pod of sagaServices()) {
        const container = pod.spec.containers[0];
        if (!container) throw new Error('no container');
        const env = container.env ?? [];
        const url = env.find((e) => e.name === 'DATABASE_URL');
        if (!url) continue;
        const index = (name: string): number => env.findIndex((e) => e.name === name);
        // $(VAR) only expands variables defined earlier in the list.
        expect(index('DB_USER')).toBeGreaterThanOrEqual(0);
        expect(index('DB_USER')).toBeLessThan(index('DATABASE_URL'));
        expect(index('DB_PASSWORD')).toBeLessThan(index('DATABASE_URL'));
        const match =
          /^postgres:\/\/\$\(DB_USER\):\$\(DB_PASSWORD\)@([a-z0-9-]+)-rw:5432\/([a-z0-9_]+)$/.exec(
            url.value ?? '',
          );
        expect(match, `${id(pod.owner)}: ${url.value}`).not.toBeNull();
        const [, cluster, database] = match ?? [];
        expect(clusters).toContain(cluster);
        const db = databases.find((d) => d.name === database && d.cluster.name === cluster);
        expect(db, `${id(pod.owner)}: no Database ${database}`).toBeDefined();
        const secretName =
          env.find((e) => e.name === 'DB_USER')?.valueFrom?.secretKeyRef?.name ?? '';
        const secret = byName(objects, 'Secret', secretName);
        const username = Buffer.from(
          (secret?.data as { username: string }).username,
          'base64',
        ).toString();
        expect(username, 'the role is the database owner').toBe(db?.owner);
        expect(secret?.type).toBe('kubernetes.io/basic-auth');
      }
    });

    it('Kafka, Redis, provider and webhook URLs point at rendered Services', () => {
      const kafka = ofKind(objects, 'Kafka')[0];
      const serviceNames = ofKind(objects, 'Service').map((s) => s.metadata.name);
      for (const pod of sagaServices()) {
        const container = pod.spec.containers[0];
        if (!container) throw new Error('no container');
        const env = environment(container, objects);
        expect(env.get('KAFKA_BROKERS')?.value).toBe(
          `${kafka?.metadata.name}-kafka-bootstrap:9092`,
        );
        expect(env.get('PORT')?.value).toBe(String(SERVICE_PORT));
        for (const name of ['REDIS_URL', 'PAYMENT_PROVIDER_URL', 'WEBHOOK_URL']) {
          const value = env.get(name)?.value;
          if (value === undefined) continue;
          const host = new URL(value).hostname;
          expect(serviceNames, `${id(pod.owner)} ${name}=${value}`).toContain(host);
        }
        if (env.has('PROVIDER_SERVICE_NAME')) {
          expect(serviceNames).toContain(env.get('PROVIDER_SERVICE_NAME')?.value);
          expect(env.get('POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe(
            'metadata.namespace',
          );
        }
      }
    });

    it('only the EndpointSlice watcher gets an API token, and its Role allows exactly that', () => {
      let watchers = 0;
      for (const pod of sagaServices()) {
        const container = pod.spec.containers[0];
        if (!container) throw new Error('no container');
        const watches =
          environment(container, objects).get('PROVIDER_WATCH')?.value === 'endpointslices';
        expect(pod.spec.automountServiceAccountToken, id(pod.owner)).toBe(watches);
        const bindings = ofKind(objects, 'RoleBinding').filter((b) =>
          (b.subjects as { kind: string; name: string; namespace: string }[]).some(
            (s) =>
              s.kind === 'ServiceAccount' &&
              s.name === pod.spec.serviceAccountName &&
              s.namespace === NAMESPACE,
          ),
        );
        if (!watches) {
          expect(bindings, id(pod.owner)).toEqual([]);
          continue;
        }
        watchers += 1;
        expect(bindings).toHaveLength(1);
        const binding = bindings[0];
        // Granted in the release namespace, to this ServiceAccount alone, through a Role: the
        // adapter reads its own namespace's EndpointSlices (POD_NAMESPACE) and nothing else.
        expect(binding?.metadata.namespace).toBe(NAMESPACE);
        expect(binding?.subjects).toEqual([
          { kind: 'ServiceAccount', name: pod.spec.serviceAccountName, namespace: NAMESPACE },
        ]);
        const roleRef = binding?.roleRef as { apiGroup: string; kind: string; name: string };
        expect(roleRef.kind).toBe('Role');
        const role = byName(objects, 'Role', roleRef.name);
        expect(role?.metadata.namespace).toBe(NAMESPACE);
        expect(role?.rules).toEqual([
          {
            apiGroups: ['discovery.k8s.io'],
            resources: ['endpointslices'],
            verbs: ['get', 'list', 'watch'],
          },
        ]);
      }
      if (profile.name === 'default') expect(watchers, 'the default profile watches').toBe(1);
      expect(ofKind(objects, 'ClusterRole'), 'no cluster-wide rights').toEqual([]);
      expect(ofKind(objects, 'ClusterRoleBinding'), 'no cluster-wide rights').toEqual([]);
    });

    it('sets PROVIDER_WATCH only to a value the adapter accepts', () => {
      for (const pod of sagaServices()) {
        const container = pod.spec.containers[0];
        if (!container) throw new Error('no container');
        const watch = environment(container, objects).get('PROVIDER_WATCH')?.value;
        if (watch !== undefined) expect(PROVIDER_WATCHES, id(pod.owner)).toContain(watch);
      }
    });

    it('pods roll when their configuration changes (checksum annotation)', () => {
      for (const pod of sagaServices())
        expect(pod.annotations['checksum/config'], id(pod.owner)).toMatch(/^[a-f0-9]{64}$/);
    });

    it('saga-orchestrator runs exactly in orchestration mode', () => {
      const deployed = sagaServices().some(
        (p) => p.labels['app.kubernetes.io/component'] === 'saga-orchestrator',
      );
      const first = sagaServices()[0]?.spec.containers[0];
      if (!first) throw new Error('no saga service');
      const mode = environment(first, objects).get('SAGA_MODE')?.value;
      expect(deployed).toBe(mode === 'orchestration');
    });
  });

  it('declares every contract topic and its dead-letter topic as a KafkaTopic', () => {
    const kafka = ofKind(objects, 'Kafka')[0];
    const prefixes = new Set(
      ofKind(objects, 'ConfigMap').flatMap((c) => {
        const value = (c.data as Record<string, string> | undefined)?.KAFKA_TOPIC_PREFIX;
        return value === undefined ? [] : [value];
      }),
    );
    expect(prefixes.size, 'every service uses the same topic prefix').toBe(1);
    const [prefix] = [...prefixes];
    const topics = ofKind(objects, 'KafkaTopic');
    expect(
      topics.map((t) => (t.spec as { topicName?: string }).topicName ?? t.metadata.name).sort(),
    ).toEqual(ALL_TOPICS.map((t) => `${prefix}${t}`).sort());
    for (const topic of topics) {
      expect(topic.metadata.labels?.['strimzi.io/cluster']).toBe(kafka?.metadata.name);
      expect((topic.spec as { partitions: number }).partitions).toBe(6);
    }
    // auto-creation off: a misspelt topic in a service fails instead of silently appearing.
    expect(
      (kafka?.spec as { kafka: { config: Record<string, unknown> } }).kafka.config[
        'auto.create.topics.enable'
      ],
    ).toBe(false);
  });

  it('puts every namespaced object in the release namespace (helm template | kubectl apply, Tilt)', () => {
    for (const o of objects) expect(o.metadata.namespace, id(o)).toBe(NAMESPACE);
  });

  it('labels every object with the standard labels', () => {
    for (const o of objects) {
      expect(o.metadata.labels?.['app.kubernetes.io/instance'], id(o)).toBe(RELEASE);
      expect(o.metadata.labels?.['app.kubernetes.io/part-of'], id(o)).toBe('order-saga');
    }
  });
});

describe('the policy checks catch', () => {
  const pristine = render();
  const deploymentOf = (objects: K8sObject[]): K8sObject => {
    const deployment = byName(objects, 'Deployment', `${RELEASE}-orders-service`);
    if (!deployment) throw new Error('no orders-service Deployment');
    return deployment;
  };
  const appContainer = (objects: K8sObject[]): Container => {
    const container = podTemplates([deploymentOf(objects)])[0]?.spec.containers[0];
    if (!container) throw new Error('no container');
    return container;
  };

  it('a missing readiness probe', () => {
    const objects = structuredClone(pristine);
    delete appContainer(objects).readinessProbe;
    expect(probeProblems(objects)).toEqual([
      `${id(deploymentOf(objects))}/app: missing liveness or readiness probe`,
    ]);
  });

  it('a missing memory request', () => {
    const objects = structuredClone(pristine);
    delete appContainer(objects).resources?.requests?.memory;
    expect(resourceProblems(objects)).toHaveLength(1);
  });

  it('a root user', () => {
    const objects = structuredClone(pristine);
    appContainer(objects).securityContext = { runAsUser: 0 };
    expect(nonRootProblems(objects)).toHaveLength(1);
  });

  it('an image without a tag or with latest', () => {
    const objects = structuredClone(pristine);
    appContainer(objects).image = 'docker.io/library/redis';
    expect(imageTagProblems(objects)).toHaveLength(1);
    appContainer(objects).image = 'localhost:5001/order-saga/orders-service:latest';
    expect(imageTagProblems(objects)).toHaveLength(1);
    // A registry port is not a tag.
    appContainer(objects).image = 'localhost:5001/order-saga/orders-service';
    expect(imageTagProblems(objects)).toHaveLength(1);
  });

  it('a ServiceMonitor pointing at a port name the Service lacks', () => {
    const objects = structuredClone(pristine);
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor');
    (monitor?.spec as { endpoints: { port: string }[] }).endpoints[0] = { port: 'metrics' };
    expect(serviceMonitorProblems(objects).join('\n')).toMatch(/has no port named metrics/);
  });

  it('a Secret nobody creates', () => {
    const objects = pristine.filter(
      (o) => !(o.kind === 'Secret' && o.metadata.name.endsWith('-webhook')),
    );
    expect(secretReferenceProblems(objects).join('\n')).toMatch(
      /Secret order-saga-webhook is created by neither/,
    );
    const renamed = structuredClone(pristine);
    const dbUser = appContainer(renamed).env?.find((e) => e.name === 'DB_USER');
    if (!dbUser?.valueFrom?.secretKeyRef) throw new Error('no DB_USER');
    dbUser.valueFrom.secretKeyRef.key = 'user-name';
    expect(secretReferenceProblems(renamed).join('\n')).toMatch(/has no key user-name/);
  });
});
