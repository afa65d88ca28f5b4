// helm lint --strict and helm template for the default values and every ci/ profile, and the
// values that must make the chart refuse to render.
import { describe, expect, it } from 'vitest';
import {
  chartDir,
  helm,
  profiles,
  render,
  repoRoot,
  tryRender,
  KUBE_VERSION,
} from './support/helm.ts';
import { join } from 'node:path';

describe.each(profiles())('profile $name', (profile) => {
  it('passes helm lint --strict', () => {
    const result = helm([
      'lint',
      '--strict',
      chartDir,
      '--kube-version',
      KUBE_VERSION,
      ...profile.values.flatMap((file) => ['--values', join(repoRoot, file)]),
    ]);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it('renders with helm template', () => {
    const objects = render({ values: profile.values });
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects) {
      expect(o.apiVersion, JSON.stringify(o.metadata)).toBeTruthy();
      expect(o.kind).toBeTruthy();
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
    const ids = objects.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`);
    expect(new Set(ids).size, 'duplicate objects').toBe(ids.length);
  });
});

describe('ci profiles', () => {
  it('include at least choreography, orchestration and minimal', () => {
    expect(profiles().map((p) => p.name)).toEqual(
      expect.arrayContaining(['choreography', 'orchestration', 'minimal']),
    );
  });
});

/** Renders with --set-json and expects a failure mentioning `message`. */
function expectRejected(setJson: string[], message: RegExp): void {
  const result = tryRender({ setJson });
  expect(result.status, `rendered although ${setJson.join(' ')} is invalid`).not.toBe(0);
  expect(result.stderr).toMatch(message);
}

describe('values.schema.json rejects', () => {
  it('an unknown top-level key', () => {
    expect(tryRender({ setJson: ['replicaCount=2'] }).status).not.toBe(0);
    expectRejected(['replicaCount=2'], /additional properties 'replicaCount' not allowed/i);
  });

  it('an unknown key in a nested object', () => {
    expectRejected(['kafka.storage.sizee="5Gi"'], /additional properties 'sizee' not allowed/i);
  });

  it('an unknown key in a service entry', () => {
    expectRejected(
      ['services.orders-service.replicaz=2'],
      /additional properties 'replicaz' not allowed/i,
    );
  });

  it('a wrong type', () => {
    expectRejected(['services.orders-service.replicas="two"'], /replicas/);
    expectRejected(['kafka.topics.partitions="6"'], /partitions/);
    expectRejected(['monitoring.enabled="yes"'], /enabled/);
  });

  it('a value outside its enum', () => {
    expectRejected(['sagaMode="saga"'], /sagaMode/);
    expectRejected(['tracing.mode="both"'], /mode/);
  });

  it('an unpinned image tag', () => {
    expectRejected(['image.tag="latest"'], /tag/);
    expectRejected(['redis.image.tag="latest"'], /tag/);
    expectRejected(['postgres.imageName="ghcr.io/cloudnative-pg/postgresql"'], /imageName/);
    expectRejected(['postgres.imageName="ghcr.io/cloudnative-pg/postgresql:latest"'], /imageName/);
  });

  it('a service key that is not a DNS label', () => {
    expectRejected(
      [
        'services.Orders_Service={"enabled":true,"modes":["choreography"],"image":{"repository":"x"}}',
      ],
      /Orders_Service/,
    );
  });
});

describe('the templates reject', () => {
  it('a payment provider that is not deployed', () => {
    expectRejected(
      ['services.payment-provider-sim.enabled=false'],
      /paymentProvider\.service: "payment-provider-sim" is not an enabled service/,
    );
  });

  it('two services sharing a database', () => {
    expectRejected(['services.fulfillment-service.database="orders"'], /one database per service/);
  });

  it('extra env that overrides a variable the chart owns', () => {
    expectRejected(
      ['services.orders-service.env={"KAFKA_BROKERS":"elsewhere:9092"}'],
      /env\.KAFKA_BROKERS: set by the chart/,
    );
    expectRejected(
      ['services.orders-service.env={"OTEL_SERVICE_NAME":"x"}'],
      /env\.OTEL_SERVICE_NAME: set by the chart/,
    );
  });

  it('tracing without anywhere to export to', () => {
    expectRejected(
      ['tracing.mode="self"', 'collector.enabled=false'],
      /needs collector\.enabled=true or tracing\.endpoint/,
    );
  });

  it('a helm test without orders-service', () => {
    expectRejected(
      ['services.orders-service.enabled=false'],
      /keep services\.orders-service enabled/,
    );
  });
});

describe('generated secrets', () => {
  const secretData = (options: Parameters<typeof render>[0]): string[] =>
    render(options)
      .filter((o) => o.kind === 'Secret')
      .map((o) => JSON.stringify(o.data));

  it('are random without a seed (install; upgrades reuse the live value through lookup)', () => {
    expect(secretData({})).not.toEqual(secretData({}));
  });

  it('are stable across renders with secrets.generationSeed (Tilt) and URL-safe', () => {
    const seeded = { set: ['secrets.generationSeed=tilt-dev-only'] };
    expect(secretData(seeded)).toEqual(secretData(seeded));
    for (const secret of render(seeded).filter((o) => o.kind === 'Secret')) {
      for (const value of Object.values(secret.data as Record<string, string>)) {
        expect(Buffer.from(value, 'base64').toString()).toMatch(/^[A-Za-z0-9_]+$/);
      }
    }
  });
});

describe('valid variations render', () => {
  it('an extra env var, a NodePort and an external OTLP endpoint', () => {
    const objects = render({
      setJson: [
        'services.orders-service.env={"ORDERS_PAGE_SIZE":"50"}',
        'services.orders-service.service={"type":"NodePort","nodePort":30080}',
        'collector.enabled=false',
        'tracing.endpoint="http://otel-collector.observability:4318"',
      ],
    });
    const service = objects.find(
      (o) => o.kind === 'Service' && o.metadata.name === 'order-saga-orders-service',
    );
    expect(service?.spec).toMatchObject({ type: 'NodePort', ports: [{ nodePort: 30080 }] });
    expect(objects.some((o) => o.kind === 'OpenTelemetryCollector')).toBe(false);
    const instrumentation = objects.find((o) => o.kind === 'Instrumentation');
    expect(instrumentation?.spec).toMatchObject({
      exporter: { endpoint: 'http://otel-collector.observability:4318' },
    });
  });
});
