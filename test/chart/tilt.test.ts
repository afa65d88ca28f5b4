// The Tiltfile, evaluated with Tilt's own semantics (support/tilt.ts): partial, case-insensitive
// k8s_kind selectors, full-match object fragments, resource-name conflicts, resource_deps. This
// is what `tilt up` would do with the chart before it deploys anything, so a Tiltfile that Tilt
// rejects fails here first.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SAGA_TOPICS } from '@order-saga/contracts';
import { chartDir, KUBE_VERSION, repoRoot } from './support/helm.ts';
import {
  assemble,
  fragmentSelector,
  partialMatchSelector,
  runTiltfile,
  transitiveDeps,
  TiltError,
  type Assembly,
  type Entity,
} from './support/tilt.ts';

const tiltfile = readFileSync(join(repoRoot, 'Tiltfile'), 'utf8');
const operators = (
  JSON.parse(readFileSync(join(repoRoot, 'k8s', 'operators.json'), 'utf8')) as {
    releases: { name: string }[];
  }
).releases.map((r) => r.name);
const chartServices = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as {
  services: Record<string, { modes: string[]; database: string | null }>;
};
const svcDatabase = (name: string): string | null => chartServices.services[name]?.database ?? null;

const e = (apiVersion: string, kind: string, name: string, namespace = 'saga'): Entity => ({
  object: { apiVersion, kind, metadata: { name, namespace } },
  group: apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '',
  apiVersion,
  kind,
  name,
  namespace,
});

describe("Tilt's selector semantics (as reproduced)", () => {
  it('k8s_kind is an unanchored, case-insensitive regexp over kind and apiVersion', () => {
    const kafka = partialMatchSelector('kafka.strimzi.io/v1', 'Kafka');
    expect(kafka.matches(e('kafka.strimzi.io/v1', 'Kafka', 'x'))).toBe(true);
    expect(kafka.matches(e('kafka.strimzi.io/v1', 'KafkaNodePool', 'x'))).toBe(true);
    expect(kafka.matches(e('kafka.strimzi.io/v1', 'KafkaTopic', 'x'))).toBe(true);
    expect(kafka.matches(e('kafka.strimzi.io/v1beta2', 'Kafka', 'x'))).toBe(true);
    expect(partialMatchSelector('', 'kafka').matches(e('kafka.strimzi.io/v1', 'Kafka', 'x'))).toBe(
      true,
    );
    const anchored = partialMatchSelector('^kafka\\.strimzi\\.io/v1$', '^Kafka$');
    expect(anchored.matches(e('kafka.strimzi.io/v1', 'Kafka', 'x'))).toBe(true);
    expect(anchored.matches(e('kafka.strimzi.io/v1', 'KafkaNodePool', 'x'))).toBe(false);
    expect(anchored.matches(e('kafka.strimzi.io/v1beta2', 'Kafka', 'x'))).toBe(false);
  });

  it('object fragments are full-match, case-insensitive and literal', () => {
    const topic = fragmentSelector('orders.events:KafkaTopic');
    expect(topic.matches(e('kafka.strimzi.io/v1', 'KafkaTopic', 'orders.events'))).toBe(true);
    expect(topic.matches(e('kafka.strimzi.io/v1', 'KafkaTopic', 'orders-events'))).toBe(false);
    expect(topic.matches(e('kafka.strimzi.io/v1', 'KafkaTopic', 'orders.events.dlt'))).toBe(false);
    expect(fragmentSelector('x:secret:saga').matches(e('v1', 'Secret', 'x', 'other'))).toBe(false);
  });

  it('a rename onto an existing resource name, or a grouping under one, is an error', () => {
    const yaml = [
      'apiVersion: kafka.strimzi.io/v1\nkind: Kafka\nmetadata: {name: order-saga, namespace: saga}',
      'apiVersion: kafka.strimzi.io/v1\nkind: KafkaNodePool\nmetadata: {name: kafka, namespace: saga}',
    ].join('\n---\n');
    const calls = (kind: string) => [
      { fn: 'k8s_yaml', yaml: [{ blob: yaml, helm: null, source: 'blob' }] },
      { fn: 'k8s_kind', kind, api_version: 'kafka.strimzi.io/v1' },
      {
        fn: 'k8s_resource',
        workload: 'order-saga',
        new_name: 'kafka',
        objects: ['kafka:kafkanodepool'],
      },
    ];
    expect(() => assemble({ calls: calls('Kafka') })).toThrow(
      /rename "order-saga" to "kafka", but there already exists a resource with that name/,
    );
    const fixed = assemble({ calls: calls('^Kafka$') });
    expect(fixed.resources.get('kafka')?.objects.map((o) => o.kind)).toEqual([
      'Kafka',
      'KafkaNodePool',
    ]);
    expect(() =>
      assemble({
        calls: [
          ...calls('^Kafka$').slice(0, 2),
          { fn: 'k8s_resource', new_name: 'order-saga', objects: ['kafka:kafkanodepool'] },
        ],
      }),
    ).toThrow(/k8s_resource named "order-saga" already exists/);
  });

  it('the harness rejects what Starlark does not have', () => {
    const file = join(repoRoot, '.tools', 'Tiltfile.not-starlark');
    writeFileSync(file, 'x = 0\nwhile x < 3:\n    x += 1\n');
    try {
      expect(runTiltfile({ tiltfile: file }).error).toMatch(/:2: while is not Starlark/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

const variants = [
  { name: 'tilt up', subcommand: 'up', mode: 'choreography' },
  { name: 'tilt up -- --saga-mode=orchestration', subcommand: 'up', mode: 'orchestration' },
  { name: 'tilt ci', subcommand: 'ci', mode: 'choreography' },
] as const;

describe.each(variants)('$name', ({ subcommand, mode }) => {
  let assembly: Assembly;
  const get = (name: string) => {
    const r = assembly.resources.get(name);
    if (!r)
      throw new Error(`no resource ${name}; have ${[...assembly.resources.keys()].join(', ')}`);
    return r;
  };
  const active = Object.entries(chartServices.services)
    .filter(([, svc]) => svc.modes.includes(mode))
    .map(([name]) => name);

  it('assembles without any error Tilt would raise', () => {
    assembly = assemble(
      runTiltfile({
        subcommand,
        args: mode === 'choreography' ? [] : [`--saga-mode=${mode}`],
      }),
    );
    expect(assembly.unmatchedImages).toEqual([]);
  });

  it('renders the chart with the kind node version, the kind and the Tilt values', () => {
    const helmCall = assembly.calls
      .filter((c) => c.fn === 'k8s_yaml')
      .flatMap((c) => c.yaml as { helm: { argv: string[] } | null }[])
      .find((y) => y.helm)?.helm?.argv;
    expect(helmCall).toEqual(expect.arrayContaining(['--kube-version', KUBE_VERSION]));
    expect(helmCall?.join(' ')).toContain(`--set sagaMode=${mode}`);
  });

  it('one resource per operator, Kafka, its topics, PostgreSQL, Redis, the collector, each service', () => {
    for (const name of [
      ...operators,
      'kafka',
      'kafka-topics',
      'postgres',
      'redis',
      'otel-collector',
      'otel-instrumentation',
      ...active,
    ])
      get(name);
    expect(get('kafka').objects.map((o) => `${o.kind}/${o.name}`)).toEqual([
      'Kafka/order-saga',
      'KafkaNodePool/kafka',
      'PodMonitor/order-saga-kafka',
    ]);
    const topics = get('kafka-topics').objects;
    expect(topics.every((o) => o.kind === 'KafkaTopic')).toBe(true);
    expect(topics.map((o) => o.name).sort()).toEqual(
      SAGA_TOPICS.flatMap((t) => [t, `${t}.dlt`]).sort(),
    );
    expect(get('postgres').objects[0]).toMatchObject({ kind: 'Cluster', name: 'order-saga-pg' });
    expect(get('otel-collector').objects[0]).toMatchObject({ kind: 'OpenTelemetryCollector' });
    for (const name of active) {
      const kinds = get(name).objects.map((o) => o.kind);
      expect(kinds, name).toEqual(expect.arrayContaining(['Deployment', 'Service']));
      expect(get(name).images, name).toEqual([`order-saga/${name}`]);
    }
  });

  it('leaves no pod-owning custom resource and no KafkaTopic uncategorized', () => {
    const kinds = new Set(assembly.uncategorized.map((o) => o.kind));
    for (const kind of [
      'Kafka',
      'KafkaNodePool',
      'KafkaTopic',
      'Cluster',
      'OpenTelemetryCollector',
    ])
      expect(kinds.has(kind), kind).toBe(false);
  });

  it('starts no service before Kafka, its topics, PostgreSQL, the injection webhook and the collector', () => {
    for (const name of active) {
      const deps = transitiveDeps(assembly, name);
      for (const needed of [
        'kafka',
        'kafka-topics',
        'otel-instrumentation',
        'otel-collector',
        'opentelemetry-operator',
        'strimzi',
      ])
        expect(deps.has(needed), `${name} waits for ${needed}`).toBe(true);
      if (svcDatabase(name)) expect(deps.has('postgres'), `${name} waits for postgres`).toBe(true);
    }
  });
});

describe('the k8s_kind selectors', () => {
  const regression = join(repoRoot, '.tools', 'Tiltfile.unanchored');
  afterAll(() => rmSync(regression, { force: true }));

  it('are anchored on kind and apiVersion', () => {
    const kinds = [...tiltfile.matchAll(/^k8s_kind\((.*)\)$/gm)].map((m) => m[1] ?? '');
    expect(kinds.length).toBe(3);
    for (const args of kinds) {
      expect(args).toMatch(/^'\^[A-Za-z]+\$', api_version='\^[a-z0-9.\\]+\/v1(beta1)?\$'/);
    }
  });

  it('the unanchored form of before this fix fails under Tilt semantics (the regression this test is for)', () => {
    const unanchored = tiltfile.replace(
      /^k8s_kind\('\^(\w+)\$', api_version='\^([^']+)\$'/gm,
      (_, kind: string, api: string) =>
        `k8s_kind('${kind}', api_version='${api.replace(/\\/g, '')}'`,
    );
    expect(unanchored).toContain("k8s_kind('Kafka', api_version='kafka.strimzi.io/v1'");
    writeFileSync(regression, unanchored);
    let failure: unknown;
    try {
      assemble(runTiltfile({ tiltfile: regression }));
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(TiltError);
    expect(String(failure)).toMatch(/"kafka"|kafka:kafkanodepool/);
  });
});
