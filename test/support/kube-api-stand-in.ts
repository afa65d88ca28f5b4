import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A stand-in for the one corner of the Kubernetes API the EndpointSlice watch uses, so the real
// @kubernetes/client-node runs against it: list and watch of discovery.k8s.io/v1 EndpointSlices
// in one namespace, filtered by label, with resourceVersions, an event history a watch resumes
// from, and compaction (a watch from before it gets `410 Gone` as an ERROR event, the way the
// API server answers an expired resourceVersion, and the client must list again).

export interface StandInEndpoint {
  readonly address: string;
  readonly ready: boolean;
}

interface Slice {
  readonly name: string;
  readonly service: string;
  readonly endpoints: readonly StandInEndpoint[];
  readonly resourceVersion: number;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface WatchEvent {
  readonly type: EventType;
  readonly slice: Slice;
}

export interface KubeRequest {
  readonly path: string;
  readonly watch: boolean;
  readonly labelSelector: string | null;
  readonly resourceVersion: string | null;
  readonly authorization: string | null;
}

const SERVICE_LABEL = 'kubernetes.io/service-name';

export class KubeApiStandIn {
  readonly requests: KubeRequest[] = [];
  private readonly slices = new Map<string, Slice>();
  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Set<{ res: ServerResponse; service: string | undefined }>();
  private revision = 100;
  /** Watches from a resourceVersion below this are answered 410 Gone. */
  private compactedBelow = 0;
  /** While set, every request gets this status (an API server that is down or refusing). */
  private failingWith: number | undefined;
  private readonly server = createServer((req, res) => this.handle(req, res));
  private dir: string | undefined;

  constructor(
    readonly namespace: string,
    readonly token = 'stand-in-token',
  ) {}

  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig file pointing at this server with a bearer token; removed by stop(). */
  kubeconfig(): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'kube-stand-in-'));
    const file = join(this.dir, 'kubeconfig.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `  - name: stand-in`,
        // Plain HTTP (no certificate to make): the client allows it only with this flag.
        `    cluster: { server: '${this.url}', insecure-skip-tls-verify: true }`,
        'users:',
        `  - name: adapter`,
        `    user: { token: '${this.token}' }`,
        'contexts:',
        `  - name: stand-in`,
        `    context: { cluster: stand-in, user: adapter, namespace: ${this.namespace} }`,
        'current-context: stand-in',
        '',
      ].join('\n'),
    );
    return file;
  }

  /** Creates or replaces a slice, and tells the watches. */
  setSlice(name: string, service: string, endpoints: readonly StandInEndpoint[]): void {
    const type: EventType = this.slices.has(name) ? 'MODIFIED' : 'ADDED';
    const slice = { name, service, endpoints, resourceVersion: ++this.revision };
    this.slices.set(name, slice);
    this.publish({ type, slice });
  }

  deleteSlice(name: string): void {
    const slice = this.slices.get(name);
    if (slice === undefined) return;
    this.slices.delete(name);
    this.publish({ type: 'DELETED', slice: { ...slice, resourceVersion: ++this.revision } });
  }

  /**
   * Compacts the history: open watches get an ERROR 410 event and are closed, and a watch
   * resuming from before now gets the same; a client then has to list again. Changes made with
   * setSliceQuietly before it reach a client only through that relist.
   */
  expireHistory(): void {
    this.compactedBelow = this.revision + 1;
    this.history.length = 0;
    for (const watcher of this.watchers) {
      watcher.res.end(`${JSON.stringify(gone())}\n`);
    }
    this.watchers.clear();
  }

  /** Changes a slice without an event (one lost to the compaction that expireHistory() makes). */
  setSliceQuietly(name: string, service: string, endpoints: readonly StandInEndpoint[]): void {
    this.slices.set(name, { name, service, endpoints, resourceVersion: ++this.revision });
  }

  /** Answers every request with `status` (and drops open watches) until heal(). */
  fail(status: number): void {
    this.failingWith = status;
    for (const watcher of this.watchers) watcher.res.destroy();
    this.watchers.clear();
  }

  heal(): void {
    this.failingWith = undefined;
  }

  /** Requests seen for the slices path, watches or lists. */
  sliceRequests(watch: boolean): KubeRequest[] {
    return this.requests.filter((r) => r.watch === watch && r.path.endsWith('/endpointslices'));
  }

  async stop(): Promise<void> {
    for (const watcher of this.watchers) watcher.res.destroy();
    this.watchers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  private publish(event: WatchEvent): void {
    this.history.push(event);
    for (const watcher of this.watchers)
      if (watcher.service === undefined || watcher.service === event.slice.service)
        watcher.res.write(`${JSON.stringify(this.eventJson(event))}\n`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const watch = url.searchParams.get('watch') === 'true';
    const labelSelector = url.searchParams.get('labelSelector');
    const resourceVersion = url.searchParams.get('resourceVersion');
    this.requests.push({
      path: url.pathname,
      watch,
      labelSelector,
      resourceVersion,
      authorization: req.headers.authorization ?? null,
    });
    if (this.failingWith !== undefined) return status(res, this.failingWith, 'stand-in failing');
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return status(res, 401, 'Unauthorized');
    const expected = `/apis/discovery.k8s.io/v1/namespaces/${this.namespace}/endpointslices`;
    // Like the RBAC the chart grants: this namespace's EndpointSlices and nothing else.
    if (url.pathname !== expected || req.method !== 'GET') return status(res, 403, 'Forbidden');
    const service = selectedService(labelSelector);
    if (!watch) {
      const items = [...this.slices.values()]
        .filter((s) => service === undefined || s.service === service)
        .map((s) => this.sliceJson(s));
      return json(res, 200, {
        kind: 'EndpointSliceList',
        apiVersion: 'discovery.k8s.io/v1',
        metadata: { resourceVersion: String(this.revision) },
        items,
      });
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    const from = Number(resourceVersion ?? '0');
    if (resourceVersion !== null && resourceVersion !== '' && from < this.compactedBelow - 1) {
      res.end(`${JSON.stringify(gone())}\n`);
      return;
    }
    for (const event of this.history)
      if (
        event.slice.resourceVersion > from &&
        (service === undefined || event.slice.service === service)
      )
        res.write(`${JSON.stringify(this.eventJson(event))}\n`);
    const watcher = { res, service };
    this.watchers.add(watcher);
    res.on('close', () => this.watchers.delete(watcher));
  }

  private eventJson(event: WatchEvent): unknown {
    return { type: event.type, object: this.sliceJson(event.slice) };
  }

  private sliceJson(slice: Slice): unknown {
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: slice.name,
        namespace: this.namespace,
        resourceVersion: String(slice.resourceVersion),
        labels: { [SERVICE_LABEL]: slice.service },
      },
      addressType: 'IPv4',
      endpoints: slice.endpoints.map((e) => ({
        addresses: [e.address],
        conditions: { ready: e.ready, serving: e.ready, terminating: false },
      })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    };
  }
}

function selectedService(selector: string | null): string | undefined {
  if (selector === null) return undefined;
  const [key, value] = selector.split('=');
  return key === SERVICE_LABEL ? value : undefined;
}

function gone(): unknown {
  return {
    type: 'ERROR',
    object: {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'too old resource version',
      reason: 'Expired',
      code: 410,
    },
  };
}

function status(res: ServerResponse, code: number, message: string): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
