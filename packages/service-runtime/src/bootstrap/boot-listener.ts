import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SagaMetrics } from '@order-saga/observability';
import { ADMIN_ROUTE_PREFIX } from '../admin/admin-controller';
import type { ListenAddresses } from '../http-app';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemBody } from '../problem';

/** Where one dependency stands while the service boots. */
interface DependencyState {
  status: 'waiting' | 'ok';
  attempts: number;
  since: number;
  lastError?: string;
}

// What a client of a booting service should wait before it tries again (seconds).
const STARTING_RETRY_AFTER_S = 2;

/**
 * The two ports of a service while it waits for its database and broker at boot. Kubernetes
 * probes the pod from its first second: liveness answers 200 (the process is alive and doing what
 * it should, waiting), readiness 503 with what it waits for and the last error, so
 * `helm install --wait` converges once the dependencies are up instead of restarting pods into a
 * growing crash-loop back-off. Every other request gets 503 SERVICE.STARTING with Retry-After.
 * The real application takes the same ports over once it has booted (`close`, then listen).
 */
export class BootListener {
  private readonly dependencies = new Map<string, DependencyState>();
  private readonly servers: Server[] = [];

  private constructor(
    dependencies: readonly string[],
    private readonly metrics: SagaMetrics,
  ) {
    const now = Date.now();
    for (const name of dependencies)
      this.dependencies.set(name, { status: 'waiting', attempts: 0, since: now });
  }

  /** Listens on both ports (admin first, like the application) and reports `dependencies`. */
  static async listen(
    addresses: ListenAddresses,
    dependencies: readonly string[],
    metrics: SagaMetrics,
  ): Promise<BootListener> {
    const listener = new BootListener(dependencies, metrics);
    await listener.bind(addresses.adminPort, addresses.adminHost, (request, response) =>
      listener.answerAdmin(request, response),
    );
    await listener.bind(addresses.port, addresses.host, (request, response) => {
      void listener.answerPublic(request, response);
    });
    return listener;
  }

  /** An attempt to reach `dependency` failed; readiness shows the error. */
  failed(dependency: string, attempt: number, error: unknown): void {
    const state = this.state(dependency);
    state.status = 'waiting';
    state.attempts = attempt;
    state.lastError = error instanceof Error ? error.message : String(error);
  }

  reached(dependency: string): void {
    const state = this.state(dependency);
    state.status = 'ok';
    delete state.lastError;
  }

  /** Stops listening and drops open connections (probes keep none), so the app can bind. */
  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  /** The readiness report's shape (see checkReadiness), with the boot's attempts. */
  report(): {
    status: 'unavailable';
    booting: true;
    checks: Record<string, { status: 'ok' | 'failed'; error?: string }>;
  } {
    const checks: Record<string, { status: 'ok' | 'failed'; error?: string }> = {};
    const now = Date.now();
    for (const [name, state] of this.dependencies) {
      const seconds = ((now - state.since) / 1000).toFixed(1);
      checks[name] =
        state.status === 'ok'
          ? { status: 'ok' }
          : {
              status: 'failed',
              error:
                state.attempts === 0
                  ? `booting: connecting for ${seconds} s`
                  : `booting: waiting for ${seconds} s, ${state.attempts} attempts, last: ${state.lastError ?? 'unknown'}`,
            };
    }
    // Every dependency answered: the application is being built and the consumer joins its group.
    if (Object.values(checks).every((check) => check.status === 'ok'))
      checks['service'] = { status: 'failed', error: 'booting: starting the application' };
    return { status: 'unavailable', booting: true, checks };
  }

  private state(dependency: string): DependencyState {
    const state = this.dependencies.get(dependency);
    if (state !== undefined) return state;
    const added: DependencyState = { status: 'waiting', attempts: 0, since: Date.now() };
    this.dependencies.set(dependency, added);
    return added;
  }

  private bind(
    port: number,
    host: string,
    handler: (request: IncomingMessage, response: ServerResponse) => void,
  ): Promise<void> {
    const server = createServer(handler);
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private async answerPublic(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/health/live') {
      json(response, 200, { status: 'ok', booting: true });
    } else if (request.method === 'GET' && path === '/health/ready') {
      json(response, 503, this.report());
    } else if (request.method === 'GET' && path === '/metrics') {
      response.writeHead(200, { 'content-type': this.metrics.registry.contentType });
      response.end(await this.metrics.render());
    } else {
      starting(request, response);
    }
  }

  private answerAdmin(request: IncomingMessage, response: ServerResponse): void {
    // Like the application's admin port: only operator routes exist there.
    if ((request.url ?? '/').startsWith(ADMIN_ROUTE_PREFIX)) {
      starting(request, response);
      return;
    }
    const problem = new ProblemError(404, 'ROUTE.NOT_FOUND', 'Not found');
    problemResponse(response, problem, request.url);
  }
}

function starting(request: IncomingMessage, response: ServerResponse): void {
  // Drain what the client sent: the connection then closes cleanly instead of resetting.
  request.resume();
  const problem = new ProblemError(503, 'SERVICE.STARTING', 'The service is starting', {
    detail: 'it is waiting for its database or broker; see /health/ready, and retry',
    headers: { 'retry-after': String(STARTING_RETRY_AFTER_S) },
  });
  problemResponse(response, problem, request.url);
}

function problemResponse(
  response: ServerResponse,
  problem: ProblemError,
  instance: string | undefined,
): void {
  response.writeHead(problem.status, {
    ...problem.headers,
    'content-type': PROBLEM_CONTENT_TYPE,
    // A booting listener hands its port over soon; keep no connection for it.
    connection: 'close',
  });
  response.end(JSON.stringify(problemBody(problem, instance)));
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  response.end(JSON.stringify(body));
}
