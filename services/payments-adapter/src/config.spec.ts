import { describe, expect, it } from 'vitest';
import { loadPaymentsConfig } from './config';

const minimal = {
  KAFKA_BROKERS: 'a:9092',
  DATABASE_URL: 'postgres://u@h:5432/payments',
  PAYMENT_PROVIDER_URL: 'http://127.0.0.1:7084',
  WEBHOOK_SECRET: 'a-secret-of-sixteen-chars',
};

describe('the provider readiness settings', () => {
  it('probe the provider over HTTP by default, every second, unready after two failures', () => {
    expect(loadPaymentsConfig(minimal)).toMatchObject({
      PROVIDER_WATCH: 'http',
      PROVIDER_READINESS_PATH: '/health/ready',
      PROVIDER_PROBE_INTERVAL_MS: 1_000,
      PROVIDER_PROBE_TIMEOUT_MS: 1_000,
      PROVIDER_PROBE_FAILURE_THRESHOLD: 2,
      PROVIDER_PROBE_SUCCESS_THRESHOLD: 1,
    });
  });

  it('watch EndpointSlices with the Service name and namespace the chart sets', () => {
    const config = loadPaymentsConfig({
      ...minimal,
      PROVIDER_WATCH: 'endpointslices',
      PROVIDER_SERVICE_NAME: 'order-saga-payment-provider-sim',
      POD_NAMESPACE: 'saga',
    });
    expect(config).toMatchObject({
      PROVIDER_SERVICE_NAME: 'order-saga-payment-provider-sim',
      POD_NAMESPACE: 'saga',
    });
    expect(config.KUBECONFIG).toBeUndefined();
  });

  it('refuse the EndpointSlice watch without the Service or the namespace, naming both', () => {
    expect(() => loadPaymentsConfig({ ...minimal, PROVIDER_WATCH: 'endpointslices' })).toThrow(
      /PROVIDER_SERVICE_NAME: required when PROVIDER_WATCH=endpointslices[\s\S]*POD_NAMESPACE: required/,
    );
  });

  it('refuse an unknown watch, a zero threshold and a name Kubernetes would not accept', () => {
    expect(() => loadPaymentsConfig({ ...minimal, PROVIDER_WATCH: 'pods' })).toThrow(
      /PROVIDER_WATCH/,
    );
    expect(() => loadPaymentsConfig({ ...minimal, PROVIDER_PROBE_FAILURE_THRESHOLD: '0' })).toThrow(
      /PROVIDER_PROBE_FAILURE_THRESHOLD/,
    );
    expect(() =>
      loadPaymentsConfig({ ...minimal, PROVIDER_WATCH: 'off', PROVIDER_SERVICE_NAME: 'Sim_1' }),
    ).toThrow(/PROVIDER_SERVICE_NAME: must be a Service name/);
  });
});
