import type { Logger, SagaMetrics } from '@order-saga/observability';
import {
  EndpointSliceWatch,
  HttpReadinessProber,
  type ReadinessSource,
} from '@order-saga/resilience';
import type { PaymentsConfig } from '../../config';

type WatchSettings = Pick<
  PaymentsConfig,
  | 'PROVIDER_WATCH'
  | 'PAYMENT_PROVIDER_URL'
  | 'PROVIDER_READINESS_PATH'
  | 'PROVIDER_PROBE_INTERVAL_MS'
  | 'PROVIDER_PROBE_TIMEOUT_MS'
  | 'PROVIDER_PROBE_FAILURE_THRESHOLD'
  | 'PROVIDER_PROBE_SUCCESS_THRESHOLD'
  | 'PROVIDER_SERVICE_NAME'
  | 'POD_NAMESPACE'
  | 'KUBECONFIG'
>;

/** The readiness source PROVIDER_WATCH selects, or none (`off`). */
export function providerReadinessSource(
  config: WatchSettings,
  logger: Logger,
  metrics: SagaMetrics,
): ReadinessSource | undefined {
  switch (config.PROVIDER_WATCH) {
    case 'off':
      return undefined;
    case 'http':
      return new HttpReadinessProber({
        url: new URL(config.PROVIDER_READINESS_PATH, config.PAYMENT_PROVIDER_URL).toString(),
        intervalMs: config.PROVIDER_PROBE_INTERVAL_MS,
        timeoutMs: config.PROVIDER_PROBE_TIMEOUT_MS,
        failureThreshold: config.PROVIDER_PROBE_FAILURE_THRESHOLD,
        successThreshold: config.PROVIDER_PROBE_SUCCESS_THRESHOLD,
      });
    case 'endpointslices': {
      const { PROVIDER_SERVICE_NAME: serviceName, POD_NAMESPACE: namespace } = config;
      // The config schema requires both for this mode; this narrows them for the compiler.
      if (serviceName === undefined || namespace === undefined)
        throw new Error(
          'PROVIDER_WATCH=endpointslices needs PROVIDER_SERVICE_NAME and POD_NAMESPACE',
        );
      const labels = { dependency: 'payment-provider', source: 'endpointslices' };
      // At zero from the start: rate() needs a scraped zero to see the first failure.
      metrics.readinessSourceErrors.inc(labels, 0);
      return new EndpointSliceWatch({
        serviceName,
        namespace,
        ...(config.KUBECONFIG === undefined ? {} : { kubeconfigPath: config.KUBECONFIG }),
        onWatchError: (error, next) => {
          metrics.readinessSourceErrors.inc(labels);
          logger.warn(
            { err: error, serviceName, namespace, ...next },
            'provider.endpointslice_watch_failed',
          );
        },
      });
    }
  }
}
