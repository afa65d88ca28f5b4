import type { Readiness } from './readiness-source';

/** The parts of a discovery.k8s.io/v1 EndpointSlice that say whether its Service can take calls. */
export interface EndpointSliceView {
  readonly endpoints?: ReadonlyArray<{
    readonly addresses: readonly string[];
    readonly conditions?: { readonly ready?: boolean };
  }>;
}

/** The label the EndpointSlice controller puts on every slice of a Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * A Service is ready when at least one endpoint across its slices is. `conditions.ready` is what
 * kube-proxy routes by: the pod passes its readiness probe and is not terminating. Unset means
 * ready (the API's own rule). An endpoint can sit in two slices while the controller moves it,
 * so endpoints are counted once per address.
 */
export function endpointSliceReadiness(
  slices: readonly EndpointSliceView[],
  serviceName: string,
): Readiness {
  const endpoints = new Map<string, boolean>();
  for (const slice of slices)
    for (const endpoint of slice.endpoints ?? []) {
      const key = endpoint.addresses.join(',');
      const ready = endpoint.conditions?.ready !== false;
      endpoints.set(key, (endpoints.get(key) ?? false) || ready);
    }
  const ready = [...endpoints.values()].filter(Boolean).length;
  if (endpoints.size === 0)
    return { ready: false, reason: `Service ${serviceName} has no endpoints` };
  return {
    ready: ready > 0,
    reason: `${ready} of ${endpoints.size} endpoints of Service ${serviceName} ready`,
  };
}
