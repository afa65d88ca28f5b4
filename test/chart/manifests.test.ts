// Every rendered object, for every profile, validates: core kinds against the Kubernetes schemas
// (kubernetes-models) with unknown fields rejected, custom resources against the vendored CRDs
// (k8s/crds) with unknown fields rejected.
import { beforeAll, describe, expect, it } from 'vitest';
import { profiles, render, type K8sObject } from './support/helm.ts';
import { CrdValidator, isCoreKind, strictCoreCheck, validateCore } from './support/validate.ts';

const crds = new CrdValidator();

describe.each(profiles())('profile $name', (profile) => {
  let objects: K8sObject[] = [];
  beforeAll(() => {
    objects = render({ values: profile.values });
  });

  it('renders only kinds that can be validated', () => {
    const unknown = objects
      .filter((o) => !isCoreKind(o) && !crds.knows(o))
      .map((o) => `${o.apiVersion} ${o.kind}`);
    expect(unknown).toEqual([]);
  });

  it('core objects match the Kubernetes schemas', async () => {
    expect(await validateCore(objects)).toEqual([]);
  });

  it('core objects and all metadata have no unknown fields', () => {
    expect(strictCoreCheck(objects)).toEqual([]);
  });

  it('custom resources match their CRD schemas, unknown fields included', () => {
    expect(objects.filter((o) => !isCoreKind(o)).flatMap((o) => crds.validate(o))).toEqual([]);
  });
});

// The validators above must be able to fail, or a green run proves nothing.
describe('the validators catch', () => {
  const objects = render();
  const find = (kind: string): K8sObject => {
    const found = objects.find((o) => o.kind === kind);
    if (!found) throw new Error(`no ${kind} rendered`);
    return structuredClone(found);
  };

  it('a stale Strimzi v1beta2 field on a v1 Kafka', () => {
    const kafka = find('Kafka');
    (kafka.spec as { kafka: Record<string, unknown> }).kafka.replicas = 1;
    expect(crds.validate(kafka).join('\n')).toMatch(/additional properties \(replicas\)/);
  });

  it('an API version the CRD no longer serves', () => {
    const topic = { ...find('KafkaTopic'), apiVersion: 'kafka.strimzi.io/v1beta2' };
    expect(crds.validate(topic).join('\n')).toMatch(/no CRD serves kafka\.strimzi\.io\/v1beta2/);
  });

  it('a deprecated API version', () => {
    const collector = {
      ...find('OpenTelemetryCollector'),
      apiVersion: 'opentelemetry.io/v1alpha1',
    };
    expect(crds.validate(collector).join('\n')).toMatch(/deprecated/);
  });

  it('a wrong enum in a custom resource', () => {
    const instrumentation = find('Instrumentation');
    (instrumentation.spec as { propagators: string[] }).propagators = ['w3c'];
    expect(crds.validate(instrumentation).join('\n')).toMatch(
      /propagators\/0 must be equal to one of the allowed values/,
    );
  });

  it('a misspelt field in a core object', () => {
    const deployment = find('Deployment');
    const spec = deployment.spec as {
      template: { spec: { containers: Record<string, unknown>[] } };
    };
    const container = spec.template.spec.containers[0];
    if (!container) throw new Error('no container');
    container.readinesProbe = container.readinessProbe;
    expect(strictCoreCheck([deployment]).join('\n')).toMatch(
      /'"readinesProbe"' does not exist in type 'IContainer'/,
    );
  });

  it('a wrong type in a core object', async () => {
    const deployment = find('Deployment');
    (deployment.spec as Record<string, unknown>).replicas = 'two';
    expect((await validateCore([deployment])).join('\n')).toMatch(/replicas must be integer/);
  });
});
