import type { Informer, ObjectCache, V1EndpointSlice } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { retryDelay, retryPolicy } from '../retry/retry-policy';
import { sleep } from '../retry/sleep';
import { EDGES_ONLY, ReadinessDebouncer } from './readiness-debouncer';
import type { Readiness, ReadinessListener, ReadinessSource } from './readiness-source';
import { SERVICE_NAME_LABEL, endpointSliceReadiness } from './endpoint-slices';

export interface EndpointSliceWatchOptions {
  /** The Service whose EndpointSlices to watch (their kubernetes.io/service-name label). */
  readonly serviceName: string;
  /** Its namespace: ours (POD_NAMESPACE); the Role allows nothing else. */
  readonly namespace: string;
  /** A kubeconfig file (outside a cluster, tests); unset: the pod's service account. */
  readonly kubeconfigPath?: string;
  /** Waits before reopening a failed list or watch: the first, doubling up to the cap (ms). */
  readonly restart?: { readonly baseMs: number; readonly capMs: number };
  /** A list or watch failed (API unreachable, RBAC); the last state stands until it reopens. */
  readonly onWatchError?: (
    error: unknown,
    next: { readonly failures: number; readonly restartInMs: number },
  ) => void;
}

/** How long stop() waits for a list in flight (an API server that accepts and never answers). */
const STOP_GRACE_MS = 2_000;

type SliceInformer = Informer<V1EndpointSlice> & ObjectCache<V1EndpointSlice>;

/**
 * The provider's readiness as Kubernetes sees it: a list + watch of its Service's EndpointSlices
 * in our namespace, through the client library's informer (it relists after 410 Gone and resumes
 * a watch that timed out or that the API server closed). Ready = at least one ready endpoint;
 * reported on each flip, since the kubelet's probe thresholds have already debounced it.
 *
 * The informer gives up on any other error (it calls `error` and stops), so this source reopens
 * it with capped, jittered backoff. @kubernetes/client-node is an ES module of ~85 MB resident:
 * it is imported here, on start, so services that never watch never load it.
 */
export class EndpointSliceWatch implements ReadinessSource {
  readonly kind = 'endpointslices';
  private readonly debouncer = new ReadinessDebouncer(EDGES_ONLY);
  private readonly restartPolicy;
  private listener: ReadinessListener | undefined;
  private informer: SliceInformer | undefined;
  private opening: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private recompute: NodeJS.Immediate | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: EndpointSliceWatchOptions) {
    this.restartPolicy = retryPolicy({
      baseMs: options.restart?.baseMs ?? 1_000,
      capMs: options.restart?.capMs ?? 30_000,
      attempts: Infinity,
      jitter: 'full',
      whenExhausted: 'fail',
    });
  }

  start(listener: ReadinessListener): void {
    if (this.listener !== undefined) throw new Error('the EndpointSlice watch is already started');
    this.listener = listener;
    this.opening = this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearImmediate(this.recompute);
    await this.informer?.stop();
    // An informer stopped during its list still opens the watch once the list returns (the
    // library checks `stopped` only before listing): wait for that, bounded, and stop it again.
    await Promise.race([this.opening, sleep(STOP_GRACE_MS)]);
    await this.informer?.stop();
  }

  current(): Readiness | undefined {
    return this.debouncer.current();
  }

  private async open(): Promise<void> {
    try {
      const k8s = await import('@kubernetes/client-node');
      const config = new k8s.KubeConfig();
      if (this.options.kubeconfigPath === undefined) config.loadFromCluster();
      else config.loadFromFile(this.options.kubeconfigPath);
      const api = config.makeApiClient(k8s.DiscoveryV1Api);
      const { namespace, serviceName } = this.options;
      const labelSelector = `${SERVICE_NAME_LABEL}=${serviceName}`;
      const informer = k8s.makeInformer<V1EndpointSlice>(
        config,
        `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`,
        () => api.listNamespacedEndpointSlice({ namespace, labelSelector }),
        labelSelector,
      );
      // A relist replaces slices through several synchronous callbacks (deletes, then adds):
      // judge once they are all in, never on a half-replaced cache.
      informer.on('change', () => this.scheduleRecompute());
      informer.on('error', (error) => this.failed(error));
      this.informer = informer;
    } catch (error) {
      this.failed(error);
      return;
    }
    await this.connect();
  }

  /** start() resolves after the list and the watch request, or after `error` was called. */
  private async connect(): Promise<void> {
    const informer = this.informer;
    if (informer === undefined || this.stopped) return;
    try {
      await informer.start();
    } catch (error) {
      // It reports list and watch failures through `error`; what it throws (no cluster in the
      // kubeconfig) would otherwise be an unhandled rejection.
      this.failed(error);
      return;
    }
    if (this.stopped || this.restartTimer !== undefined) return;
    this.failures = 0;
    // An empty list fires no callback: the first state comes from here.
    this.scheduleRecompute();
  }

  private scheduleRecompute(): void {
    if (this.recompute !== undefined || this.stopped) return;
    this.recompute = setImmediate(() => {
      this.recompute = undefined;
      if (this.stopped || this.informer === undefined) return;
      const changed = this.debouncer.observe(
        endpointSliceReadiness(this.informer.list(), this.options.serviceName),
      );
      if (changed !== undefined) this.listener?.(changed);
    });
  }

  private failed(error: unknown): void {
    // Stopping aborts the watch request, which the informer reports as an error too.
    if (this.stopped || this.restartTimer !== undefined) return;
    const restartInMs = retryDelay(this.restartPolicy, this.failures);
    this.failures += 1;
    this.options.onWatchError?.(error, { failures: this.failures, restartInMs });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.opening = this.informer === undefined ? this.open() : this.connect();
    }, restartInMs);
  }
}
