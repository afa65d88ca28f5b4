import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  EndpointSliceWatch,
  HttpReadinessProber,
  type Readiness,
  type ReadinessSource,
} from '@order-saga/resilience';
import { http } from '../../scripts/system/orders-api.ts';
import { startProviderAlone, type ProviderAlone } from '../../scripts/system/provider-alone.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { KubeApiStandIn } from '../support/kube-api-stand-in.ts';

// The two readiness sources against real counterparts: the HTTP prober against
// payment-provider-sim (a separate process, its outage switched through the admin port), the
// EndpointSlice watch running the real @kubernetes/client-node informer against a stand-in API
// server that serves list and watch (test/support/kube-api-stand-in.ts).

/** Starts a source and records what its listener hears. */
function follow(source: ReadinessSource): Readiness[] {
  const heard: Readiness[] = [];
  source.start((readiness) => heard.push(readiness));
  return heard;
}

/** Waits until the listener has heard `count` reports; returns the last one. */
async function nth(heard: readonly Readiness[], count: number, what: string): Promise<Readiness> {
  await waitFor(`${what} (heard so far: ${JSON.stringify(heard)})`, () =>
    heard.length >= count ? true : undefined,
  );
  const report = heard[count - 1];
  if (report === undefined) throw new Error('unreachable');
  return report;
}

describe('HttpReadinessProber against payment-provider-sim', () => {
  let sim: ProviderAlone | undefined;
  let publicUrl: string;
  let adminUrl: string;
  let prober: HttpReadinessProber | undefined;

  beforeAll(async () => {
    sim = await startProviderAlone();
    ({ publicUrl, adminUrl } = sim);
  });

  afterAll(async () => {
    await prober?.stop();
    sim?.stop();
  });

  const outage = async (on: boolean): Promise<void> => {
    const result = await http(`${adminUrl}/admin/provider`, {
      method: 'PATCH',
      body: JSON.stringify({ outage: on }),
    });
    expect(result.status).toBe(200);
  };

  it('reports ready, unready through an outage (with the reason), ready again, unreachable', async () => {
    prober = new HttpReadinessProber({
      url: `${publicUrl}/health/ready`,
      intervalMs: 100,
      timeoutMs: 1_000,
      failureThreshold: 2,
      successThreshold: 1,
    });
    const heard = follow(prober);
    expect(await nth(heard, 1, 'the first state')).toEqual({ ready: true, reason: 'HTTP 200' });

    await outage(true);
    // The simulator's readiness is honest: an outage is "not ready", with its check's error.
    expect(await nth(heard, 2, 'the outage')).toEqual({
      ready: false,
      reason: 'HTTP 503 (processor: simulated outage)',
    });
    expect(prober.current()?.ready).toBe(false);

    await outage(false);
    expect(await nth(heard, 3, 'the recovery')).toEqual({ ready: true, reason: 'HTTP 200' });

    sim?.stop();
    const gone = await nth(heard, 4, 'the simulator gone');
    expect(gone).toEqual({ ready: false, reason: 'unreachable (ECONNREFUSED)' });
    // Edge-triggered: nothing more while the state holds.
    await new Promise((r) => setTimeout(r, 500));
    expect(heard).toHaveLength(4);
  });
});

describe('HttpReadinessProber at start', () => {
  let server: Server | undefined;
  let prober: HttpReadinessProber | undefined;
  afterAll(async () => {
    await prober?.stop();
    server?.close();
  });

  it('probes quickly until the dependency is first ready, then at its interval', async () => {
    // A port nobody listens on yet: the dependency starts a moment after us.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    let probes = 0;
    prober = new HttpReadinessProber({
      url: `http://127.0.0.1:${port}/health/ready`,
      // A minute: without the start-up rate the ready report below would come a minute late.
      intervalMs: 60_000,
      timeoutMs: 1_000,
      failureThreshold: 2,
      successThreshold: 1,
    });
    const heard = follow(prober);
    expect(await nth(heard, 1, 'the first state')).toMatchObject({ ready: false });
    await new Promise((r) => setTimeout(r, 300));
    server = createServer((_req, res) => {
      probes += 1;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    expect(await nth(heard, 2, 'the dependency up')).toEqual({ ready: true, reason: 'HTTP 200' });
    // Ready once: back to one probe a minute.
    const seen = probes;
    await new Promise((r) => setTimeout(r, 500));
    expect(probes).toBe(seen);
  });
});

describe('EndpointSliceWatch against a stand-in Kubernetes API', () => {
  const NAMESPACE = 'saga';
  let api: KubeApiStandIn;
  let watch: EndpointSliceWatch | undefined;
  const watchErrors: Array<{ error: unknown; failures: number }> = [];

  beforeAll(async () => {
    api = new KubeApiStandIn(NAMESPACE);
    await api.start();
  });

  afterEach(async () => {
    await watch?.stop();
    watch = undefined;
  });

  afterAll(async () => {
    await api.stop();
  });

  // Each test watches a Service of its own: the stand-in's slices outlive a test.
  const start = (service: string): Readiness[] => {
    watch = new EndpointSliceWatch({
      serviceName: service,
      namespace: NAMESPACE,
      kubeconfigPath: api.kubeconfig(),
      restart: { baseMs: 50, capMs: 200 },
      onWatchError: (error, next) => watchErrors.push({ error, failures: next.failures }),
    });
    return follow(watch);
  };

  it('follows the ready endpoints through watch events, a 410 relist and an API outage', async () => {
    const SERVICE = 'order-saga-payment-provider-sim';
    api.setSlice('sim-a', SERVICE, [{ address: '10.0.0.1', ready: true }]);
    // Another Service's slice in the namespace: the label selector keeps it out.
    api.setSlice('other-x', 'other', [{ address: '10.9.9.9', ready: false }]);
    const heard = start(SERVICE);
    expect(await nth(heard, 1, 'the listed state')).toEqual({
      ready: true,
      reason: `1 of 1 endpoints of Service ${SERVICE} ready`,
    });
    const [list] = api.sliceRequests(false);
    expect(list).toMatchObject({
      path: `/apis/discovery.k8s.io/v1/namespaces/${NAMESPACE}/endpointslices`,
      labelSelector: `kubernetes.io/service-name=${SERVICE}`,
      authorization: `Bearer ${api.token}`,
    });
    await waitFor('the watch to be open', () =>
      api.sliceRequests(true).length > 0 ? true : undefined,
    );
    expect(api.sliceRequests(true)[0]?.labelSelector).toBe(`kubernetes.io/service-name=${SERVICE}`);

    // The provider's only pod fails its readiness probe: the watch says so.
    api.setSlice('sim-a', SERVICE, [{ address: '10.0.0.1', ready: false }]);
    expect(await nth(heard, 2, 'the unready pod')).toEqual({
      ready: false,
      reason: `0 of 1 endpoints of Service ${SERVICE} ready`,
    });
    // A second, ready pod in a new slice.
    api.setSlice('sim-b', SERVICE, [{ address: '10.0.0.2', ready: true }]);
    expect(await nth(heard, 3, 'the new pod')).toMatchObject({ ready: true });
    // Changes elsewhere and within the same state are not reported.
    api.setSlice('other-x', 'other', [{ address: '10.9.9.9', ready: true }]);
    api.setSlice('sim-a', SERVICE, [{ address: '10.0.0.1', ready: true }]);
    await waitFor('the cache to see both pods ready', () =>
      watch?.current()?.reason === `2 of 2 endpoints of Service ${SERVICE} ready`
        ? true
        : undefined,
    );
    expect(heard).toHaveLength(3);

    // Both pods go unready while the watch history is compacted: the event is lost, the watch
    // gets 410 Gone, and only a relist can tell. The informer relists by itself.
    const listsBefore = api.sliceRequests(false).length;
    api.setSliceQuietly('sim-a', SERVICE, [{ address: '10.0.0.1', ready: false }]);
    api.setSliceQuietly('sim-b', SERVICE, [{ address: '10.0.0.2', ready: false }]);
    api.expireHistory();
    expect(await nth(heard, 4, 'the state after the relist')).toEqual({
      ready: false,
      reason: `0 of 2 endpoints of Service ${SERVICE} ready`,
    });
    expect(api.sliceRequests(false).length).toBeGreaterThan(listsBefore);
    expect(watchErrors, '410 is handled by the informer, not as a failure').toEqual([]);

    // The API server goes away for a while: the last state stands, the source reopens the watch
    // with backoff, and the watch resumes where it was, with what happened meanwhile.
    api.fail(503);
    await waitFor('a reported watch failure', () => (watchErrors.length >= 2 ? true : undefined));
    expect(watch?.current()?.ready).toBe(false);
    api.setSlice('sim-b', SERVICE, [{ address: '10.0.0.2', ready: true }]);
    const listsDuringOutage = api.sliceRequests(false).length;
    api.heal();
    expect(await nth(heard, 5, 'the state after the outage')).toEqual({
      ready: true,
      reason: `1 of 2 endpoints of Service ${SERVICE} ready`,
    });
    expect(api.sliceRequests(false).length, 'resumed from its resourceVersion').toBe(
      listsDuringOutage,
    );

    // The Service's slices deleted (no pods left at all).
    api.deleteSlice('sim-a');
    api.deleteSlice('sim-b');
    expect(await nth(heard, 6, 'the deleted slices')).toEqual({
      ready: false,
      reason: `Service ${SERVICE} has no endpoints`,
    });
  });

  it('reports the first state also when the Service has no slice at all', async () => {
    const heard = start('no-such-service');
    expect(await nth(heard, 1, 'the empty list')).toEqual({
      ready: false,
      reason: 'Service no-such-service has no endpoints',
    });
  });

  it('keeps retrying a watch the API refuses, and says nothing it does not know', async () => {
    watchErrors.length = 0;
    api.fail(403);
    const heard = start('refused');
    await waitFor('three refused attempts', () => (watchErrors.length >= 3 ? true : undefined));
    expect(heard).toEqual([]);
    expect(watch?.current()).toBeUndefined();
    // Backoff: each failure counted, the source still trying.
    expect(watchErrors.map((e) => e.failures).slice(0, 3)).toEqual([1, 2, 3]);
    api.setSlice('refused-a', 'refused', [{ address: '10.0.0.3', ready: true }]);
    api.heal();
    expect(await nth(heard, 1, 'the state once allowed')).toMatchObject({ ready: true });
  });
});
