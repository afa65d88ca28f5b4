// The cluster's pinned inputs, checked offline: the kind node image and port mappings, the
// operator releases in k8s/operators.json, and the vendored CRDs the chart is validated against.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir, repoRoot } from './support/helm.ts';
import { releases } from './support/operators.ts';

describe('kind-config.yaml', () => {
  const config = parse(readFileSync(join(repoRoot, 'kind-config.yaml'), 'utf8')) as {
    kind: string;
    apiVersion: string;
    name: string;
    nodes: {
      image: string;
      extraPortMappings: { containerPort: number; hostPort: number; listenAddress: string }[];
    }[];
  };

  it('pins a Kubernetes 1.35/1.36 node image by digest', () => {
    expect(config).toMatchObject({
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      name: 'order-saga',
    });
    for (const node of config.nodes)
      expect(node.image).toMatch(/^kindest\/node:v1\.3[56]\.\d+@sha256:[a-f0-9]{64}$/);
  });

  it('points containerd at /etc/containerd/certs.d, where cluster-up writes the registry hosts.toml', () => {
    const patches = (config as unknown as { containerdConfigPatches?: string[] })
      .containerdConfigPatches;
    expect(patches?.join('\n')).toMatch(
      /^\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\]\n\s+config_path = "\/etc\/containerd\/certs\.d"$/m,
    );
    const clusterUp = readFileSync(join(repoRoot, 'k8s', 'cluster-up.sh'), 'utf8');
    expect(clusterUp).toContain('dir="/etc/containerd/certs.d/localhost:${REGISTRY_PORT}"');
  });

  it('maps exactly the NodePorts the values files assign, on loopback', () => {
    const mapped = config.nodes.flatMap((n) => n.extraPortMappings);
    for (const mapping of mapped) {
      expect(mapping.listenAddress).toBe('127.0.0.1');
      expect(mapping.hostPort).toBe(mapping.containerPort);
    }
    const assigned = [
      readFileSync(join(repoRoot, 'k8s', 'values', 'order-saga-kind.yaml'), 'utf8'),
      readFileSync(join(repoRoot, 'k8s', 'values', 'kube-prometheus-stack.yaml'), 'utf8'),
    ].flatMap((text) => [...text.matchAll(/nodePort: (\d+)/g)].map((m) => Number(m[1])));
    expect(mapped.map((m) => m.containerPort).sort()).toEqual(assigned.sort());
  });
});

describe('k8s/operators.json', () => {
  it('has every operator the chart needs, plus a trace backend', () => {
    const charts = releases.map((r) => r.chart.split('/').at(-1));
    expect(charts).toEqual(
      expect.arrayContaining([
        'cert-manager',
        'strimzi-kafka-operator',
        'cloudnative-pg',
        'opentelemetry-operator',
        'kube-prometheus-stack',
        'jaeger',
      ]),
    );
    // kube-prometheus-stack selects monitors labelled release=<its release name>: the chart's
    // default monitoring.labels must name this release.
    const chartValues = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as {
      monitoring: { labels: Record<string, string> };
    };
    const kps = releases.find((r) => r.chart.endsWith('/kube-prometheus-stack'));
    expect(chartValues.monitoring.labels.release).toBe(kps?.name);
  });

  it.each(releases.map((r) => [r.name, r] as const))(
    '%s: pinned version, existing values file, a chart source',
    (_name, release) => {
      expect(release.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(existsSync(join(repoRoot, release.values))).toBe(true);
      expect(parse(readFileSync(join(repoRoot, release.values), 'utf8'))).toBeTypeOf('object');
      if (release.chart.startsWith('oci://')) expect(release.repo).toBeUndefined();
      else expect(release.chart.split('/')[0]).toBe(release.repo?.name);
    },
  );

  it('lists dependencies before their dependents', () => {
    releases.forEach((release, index) => {
      for (const need of release.needs) {
        const at = releases.findIndex((r) => r.name === need);
        expect(at, `${release.name} needs ${need}`).toBeGreaterThanOrEqual(0);
        expect(at).toBeLessThan(index);
      }
    });
  });

  it('pins the operator versions whose CRDs the chart is validated against', () => {
    const version = (name: string): string | undefined =>
      releases.find((r) => r.name === name)?.version;
    const crdReadme = readFileSync(join(repoRoot, 'k8s', 'crds', 'README.md'), 'utf8');
    expect(crdReadme).toContain(`Strimzi ${version('strimzi') ?? '?'}`);
    // chart 0.29.0 ships operator 1.30.0, chart 0.122.0 operator 0.158.0.
    expect(version('cloudnative-pg')).toBe('0.29.0');
    expect(crdReadme).toContain('CloudNativePG 1.30.0');
    expect(version('opentelemetry-operator')).toBe('0.122.0');
    expect(crdReadme).toContain('OpenTelemetry Operator 0.158.0');
  });
});

describe('vendored CRDs (k8s/crds)', () => {
  // Byte-for-byte copies; a formatter or an edit must not change them silently.
  const SHA256: Record<string, string> = {
    'cloudnative-pg/cluster.yaml':
      'ae47f4a00f6e998faef57e480f9a3960cd48ea16a79270861fc7442601507472',
    'cloudnative-pg/database.yaml':
      '53f7dfca6d23eb70246f41f1e7db596f8782341cd4fffb6ad990107cc8a588e7',
    'cloudnative-pg/pooler.yaml':
      '9e0dad05355f72dceb154a12b43ebe8a410d470133ad228bf711c1fdee221124',
    'opentelemetry-operator/instrumentation.yaml':
      '946e6761b41f7ecf7d37bdc105692cf65b37cbeb1bbc6c5544e1a0d091125867',
    'opentelemetry-operator/opentelemetrycollector.yaml':
      '8163dfbd369f5d1fc8128dcf9d85d9592a3ac34cfacd324b88742a5baa96dabf',
    'prometheus-operator/podmonitor.yaml':
      '45a93443daa687d3654f7e9631909ff7edcdf3ec09c5e60251b74aa2722aee5d',
    'prometheus-operator/prometheusrule.yaml':
      '78be98554b9c8506ab2b4f4feb91c5f3a56e536a0a510f3a8e876a459970d56d',
    'prometheus-operator/servicemonitor.yaml':
      'a99047972c9dd7679ce2050b9968e8a08773492e671b3e17abd476d42aa78a32',
    'strimzi/kafka.yaml': 'b5b27fc8d52068a77cde7c40d47c068023c7b4e92fc266c45200db2d2506392a',
    'strimzi/kafkanodepool.yaml':
      '411c1b32ef8c1a6408ac9d4fe791115a6ce2b41107204588f976a3ed19be2430',
    'strimzi/kafkatopic.yaml': '36390f0731c699448076d4ee739e8b7f331d083e91a7fb71500aaa830ab1127e',
    'strimzi/kafkauser.yaml': 'c7e91b9b027a516b43dc7d369e781ee23a6ea177ae15fe0c33af6f722e26e05f',
  };
  const crdDir = join(repoRoot, 'k8s', 'crds');

  it('are the pinned upstream files, unchanged', () => {
    const files = readdirSync(crdDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(files).toEqual(Object.keys(SHA256).sort());
    for (const file of files) {
      expect(
        createHash('sha256')
          .update(readFileSync(join(crdDir, file)))
          .digest('hex'),
        file,
      ).toBe(SHA256[file]);
    }
  });
});
