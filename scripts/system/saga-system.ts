import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { resolveStackEndpoints } from '../stack/endpoints.ts';
import { removeScrapeTargets, writeScrapeTargets } from '../stack/scrape-targets.ts';
import { createRunState } from './run-state.ts';
import { waitFor } from './wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export type ServiceName =
  'orders-service' | 'payments-adapter' | 'fulfillment-service' | 'payment-provider-sim';

/** Every process the launcher can run: the participants, and the orchestrator in its mode. */
export type ProcessName = ServiceName | 'saga-orchestrator';

export interface RunningService {
  readonly name: ProcessName;
  readonly url: string;
  readonly port: number;
  /** The admin listener (ADMIN_PORT, loopback): operator endpoints under /admin. */
  readonly adminUrl: string;
  readonly adminPort: number;
  process: ChildProcess;
  env: NodeJS.ProcessEnv;
  readonly logFile: string;
}

export interface SagaSystem {
  readonly runId: string;
  readonly topicPrefix: string;
  readonly brokers: string[];
  readonly databases: Record<'orders' | 'payments' | 'fulfillment', string>;
  readonly services: Record<ServiceName, RunningService>;
  /** Running only in orchestration mode. */
  readonly orchestrator: RunningService | undefined;
  readonly mode: 'choreography' | 'orchestration';
  readonly ordersUrl: string;
  readonly fulfillmentUrl: string;
  readonly providerUrl: string;
  /** Signs the provider's webhooks and verifies them in payments-adapter (fresh per run). */
  readonly webhookSecret: string;
  /** payment-provider-sim's admin listener: its knobs and ledger (/admin/provider/...). */
  readonly providerAdminUrl: string;
  /** The stack's Zipkin, where every service's spans go. */
  readonly zipkinUrl: string;
  /** SIGKILLs a service (a crash, no graceful shutdown) and starts it again on the same port. */
  crashAndRestart(name: ProcessName): Promise<void>;
  /** SIGKILLs a service and leaves it down (an outage), until `start` brings it back. */
  kill(name: ProcessName): Promise<void>;
  /** Starts a killed service again; `env` changes its environment from now on. */
  start(name: ProcessName, env?: Record<string, string>): Promise<void>;
  /**
   * Starts one more replica of a service (same database, consumer group and Redis; its own
   * ports and log file), with `env` changed for it alone. stop() stops it with the others.
   */
  startReplica(name: ProcessName, env?: Record<string, string>): Promise<RunningService>;
  /** SIGTERM: a graceful stop (the consumer leaves its group at once), until `start`. */
  stopGracefully(name: ProcessName): Promise<void>;
  /** Stops a replica from startReplica before stop() would (SIGTERM, then SIGKILL after 10 s). */
  stopReplica(replica: RunningService): Promise<void>;
  /** Resolves once the service answers /health/ready with 200; rejects if it exits first. */
  waitReady(name: ProcessName, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Sampler and on/off switch a caller may set (the benchmark measures tracing's cost with them). */
const PASSED_THROUGH = ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_SDK_DISABLED'];

/** Standard OTEL_* variables: every span goes to the stack's Zipkin (its v2 JSON API). */
function tracingEnv(zipkinUrl: string): Record<string, string> {
  const passed = Object.fromEntries(
    PASSED_THROUGH.flatMap((name) => {
      const value = process.env[name];
      return value === undefined || value === '' ? [] : [[name, value]];
    }),
  );
  return {
    OTEL_TRACES_EXPORTER: 'zipkin',
    OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkinUrl}/api/v2/spans`,
    // Batches leave every 500 ms (default 5 s): a test polling for a trace, or someone opening a
    // demo link, finds it right away. Still one export per batch, not per span.
    OTEL_BSP_SCHEDULE_DELAY: '500',
    ...passed,
  };
}

/**
 * `count` distinct free ports: all held open at once before any is released, so two services of
 * one run (or a service and its admin listener) are never handed the same one.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolveServer, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolveServer(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}

/**
 * `node --import @order-saga/observability/tracing dist/main.js` from the service's folder: the
 * same command line as `npm start` and the container image, so the OpenTelemetry SDK is loaded
 * before the application in tests, the demo and the benchmark alike.
 */
export const TRACING_BOOTSTRAP = '@order-saga/observability/tracing';

function launch(service: Omit<RunningService, 'process'>): ChildProcess {
  const log = createWriteStream(service.logFile, { flags: 'a' });
  const dir = join(ROOT, 'services', service.name);
  const child = spawn(process.execPath, ['--import', TRACING_BOOTSTRAP, 'dist/main.js'], {
    cwd: dir,
    env: service.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

async function waitReady(service: RunningService, timeoutMs = 60_000): Promise<void> {
  const outcome = await waitFor(
    `${service.name} to be ready (log: ${service.logFile})`,
    async () => {
      // Returned, not thrown: waitFor retries a probe that throws, so a dead service would be
      // polled until the timeout. Killed by a signal (e.g. Ctrl-C reaching the whole process
      // group), a process has a signalCode and no exitCode.
      const { exitCode, signalCode } = service.process;
      if (exitCode !== null || signalCode !== null) return `exited with ${exitCode ?? signalCode}`;
      const response = await fetch(`${service.url}/health/ready`);
      return response.ok ? 'ready' : undefined;
    },
    timeoutMs,
    100,
  );
  if (outcome !== 'ready') throw new Error(`${service.name} ${outcome}; see ${service.logFile}`);
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface StartOptions {
  /** The saga mode of every service; orchestration also starts the saga-orchestrator. */
  readonly mode?: 'choreography' | 'orchestration';
  /**
   * `per-run` (tests): fresh databases and a random topic prefix, dropped by stop().
   * `shared` (demo, benchmark): the stack's own databases and unprefixed topics, kept by stop().
   */
  readonly isolation?: 'per-run' | 'shared';
  /** Fixed ports per service; free ports are picked for the others. */
  readonly ports?: Partial<Record<ProcessName, number>>;
  /** Fixed admin ports per service (ADMIN_PORT); free ports are picked for the others. */
  readonly adminPorts?: Partial<Record<ProcessName, number>>;
  /** Rewrites each service's DATABASE_URL, e.g. through a proxy a fault test can cut. */
  readonly routeDatabase?: (url: string, service: ProcessName) => string;
  /** Rewrites each service's KAFKA_BROKERS (bootstrap only: Kafka then hands out its own address). */
  readonly routeBrokers?: (brokers: readonly string[], service: ProcessName) => string[];
  /**
   * `ready` (default): resolves once every service is ready. `launched`: right after the processes
   * started, for a test that starts services before their dependencies (see `waitReady`).
   */
  readonly await?: 'ready' | 'launched';
  /** Extra environment per service, e.g. a shorter saga deadline. */
  readonly env?: Partial<Record<ProcessName, Record<string, string>>>;
  readonly partitions?: number;
  /** Brokers instead of the stack's (a private broker a fault run restarts). */
  readonly brokers?: string[];
  /** Each service logs to `<logDir>/<service>.log` (appended); default .stack/test-logs/<runId>. */
  readonly logDir?: string;
}

/**
 * Starts the four choreography services as separate processes (from their compiled dist/),
 * against the native stack: by default with their own databases and a random topic prefix.
 */
export async function startSagaSystem(
  suite: string,
  options: StartOptions = {},
): Promise<SagaSystem> {
  const endpoints = resolveStackEndpoints(process.env);
  const runId = `${suite}_${randomBytes(4).toString('hex')}`;
  const isolated = (options.isolation ?? 'per-run') === 'per-run';
  const topicPrefix = isolated ? `t-${runId}.` : '';
  const brokers = options.brokers ?? endpoints.kafka.brokers;
  const logDir = options.logDir ?? join(ROOT, '.stack', 'test-logs', runId);
  mkdirSync(logDir, { recursive: true });

  const mode = options.mode ?? 'choreography';
  const runState = await createRunState({
    runId,
    isolated,
    topicPrefix,
    brokers,
    partitions: options.partitions ?? 6,
    withSagaDatabase: mode === 'orchestration',
    endpoints,
  });
  const { databases } = runState;

  const names: ProcessName[] = [
    'payment-provider-sim',
    'orders-service',
    'payments-adapter',
    'fulfillment-service',
    ...(mode === 'orchestration' ? (['saga-orchestrator'] as const) : []),
  ];
  const picked = await freePorts(names.length * 2);
  const portFor = (fixed: number | undefined): number => fixed ?? picked.pop() ?? 0;
  const ports = Object.fromEntries(
    names.map((name) => [name, portFor(options.ports?.[name])]),
  ) as Record<ProcessName, number>;
  const adminPorts = Object.fromEntries(
    names.map((name) => [name, portFor(options.adminPorts?.[name])]),
  ) as Record<ProcessName, number>;
  const url = (name: ProcessName): string => `http://127.0.0.1:${ports[name]}`;
  const adminUrlOf = (name: ProcessName): string => `http://127.0.0.1:${adminPorts[name]}`;
  const common = {
    PATH: process.env['PATH'] ?? '',
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    LOG_LEVEL: process.env['SERVICE_LOG_LEVEL'] ?? 'info',
    ...tracingEnv(endpoints.zipkin.url),
    SAGA_MODE: mode,
    // Native runs stay on loopback, like the stack itself.
    HOST: '127.0.0.1',
    ADMIN_HOST: '127.0.0.1',
  };
  const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  const envOf: Record<ProcessName, NodeJS.ProcessEnv> = {
    'payment-provider-sim': {
      ...common,
      WEBHOOK_URL: `${url('payments-adapter')}/payments/callback`,
      WEBHOOK_SECRET: webhookSecret,
    },
    'orders-service': { ...common, DATABASE_URL: databases.orders, REDIS_URL: endpoints.redis.url },
    'payments-adapter': {
      ...common,
      DATABASE_URL: databases.payments,
      PAYMENT_PROVIDER_URL: url('payment-provider-sim'),
      WEBHOOK_SECRET: webhookSecret,
      REDIS_URL: endpoints.redis.url,
    },
    'fulfillment-service': { ...common, DATABASE_URL: databases.fulfillment },
    'saga-orchestrator': { ...common, DATABASE_URL: databases.saga },
  };

  const services = {} as Record<ProcessName, RunningService>;
  for (const name of names) {
    const spec: Omit<RunningService, 'process'> = {
      name,
      port: ports[name],
      url: url(name),
      adminPort: adminPorts[name],
      adminUrl: adminUrlOf(name),
      env: {
        ...envOf[name],
        OTEL_SERVICE_NAME: name,
        ...options.env?.[name],
        PORT: String(ports[name]),
        ADMIN_PORT: String(adminPorts[name]),
      },
      logFile: join(logDir, `${name}.log`),
    };
    const databaseUrl = spec.env['DATABASE_URL'];
    if (databaseUrl !== undefined && options.routeDatabase !== undefined)
      spec.env['DATABASE_URL'] = options.routeDatabase(databaseUrl, name);
    if (options.routeBrokers !== undefined)
      spec.env['KAFKA_BROKERS'] = options.routeBrokers(brokers, name).join(',');
    services[name] = { ...spec, process: launch(spec) };
  }
  try {
    if ((options.await ?? 'ready') === 'ready')
      await Promise.all(names.map((name) => waitReady(services[name])));
  } catch (error) {
    await Promise.all(names.map((name) => terminate(services[name].process, 'SIGKILL')));
    await runState.drop();
    throw error;
  }
  // The stack's Prometheus scrapes this run from now on (file-based discovery), until stop().
  writeScrapeTargets(
    runId,
    names.map((name) => ({ service: name, address: `127.0.0.1:${ports[name]}` })),
  );

  const replicas: RunningService[] = [];
  async function startReplica(
    name: ProcessName,
    env: Record<string, string> = {},
  ): Promise<RunningService> {
    const [port = 0, adminPort = 0] = await freePorts(2);
    const spec: Omit<RunningService, 'process'> = {
      name,
      port,
      url: `http://127.0.0.1:${port}`,
      adminPort,
      adminUrl: `http://127.0.0.1:${adminPort}`,
      env: { ...services[name].env, ...env, PORT: String(port), ADMIN_PORT: String(adminPort) },
      logFile: join(logDir, `${name}.${replicas.length + 2}.log`),
    };
    const replica = { ...spec, process: launch(spec) };
    replicas.push(replica);
    await waitReady(replica);
    return replica;
  }

  async function kill(name: ProcessName): Promise<void> {
    await terminate(services[name].process, 'SIGKILL');
  }
  async function start(name: ProcessName, env: Record<string, string> = {}): Promise<void> {
    const service = services[name];
    service.env = { ...service.env, ...env };
    service.process = launch(service);
    await waitReady(service);
  }

  return {
    runId,
    topicPrefix,
    brokers,
    databases,
    services,
    orchestrator: services['saga-orchestrator'],
    mode,
    ordersUrl: url('orders-service'),
    fulfillmentUrl: url('fulfillment-service'),
    providerUrl: url('payment-provider-sim'),
    providerAdminUrl: adminUrlOf('payment-provider-sim'),
    zipkinUrl: endpoints.zipkin.url,
    webhookSecret,
    async crashAndRestart(name) {
      await kill(name);
      await start(name);
    },
    kill,
    start,
    startReplica,
    waitReady: (name, timeoutMs) => waitReady(services[name], timeoutMs),
    stopGracefully: (name) => terminate(services[name].process, 'SIGTERM'),
    stopReplica: (replica) => terminate(replica.process, 'SIGTERM'),
    async stop() {
      removeScrapeTargets(runId);
      await Promise.all(replicas.map((replica) => terminate(replica.process, 'SIGTERM')));
      await Promise.all(names.map((name) => terminate(services[name].process, 'SIGTERM')));
      await runState.drop();
    },
  };
}
