// The saga system as the benchmark runs it: the services started with isolation per-run (own
// databases, topics and consumer groups, so that other users of the shared stack neither see
// nor disturb the load), stock for every SKU, and the probes that watch it: the observer on the
// topics, the lag and outbox samplers, and the set of processes whose CPU is counted.
// The start is timed for the cold-start target: the observer joins while the services start,
// readiness is polled every READY_POLL_MS, and the caller sends the first orders right after.
import {
  startSagaSystem,
  type RunningService,
  type SagaSystem,
} from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { epochNow } from './http-client.ts';
import { monotonicUs } from './profile-summary.ts';
import type { Environment } from './environment.ts';
import type { RunSettings } from './options.ts';
import { SERVICES } from './phases.ts';
import { progress } from './progress.ts';
import type { RunResources } from './run-resources.ts';
import type { SagaEvents } from './saga-events.ts';
import { startObserver } from './saga-observer.ts';
import { Samplers } from './samplers.ts';
import { runProcessSet } from './run-processes.ts';
import type { ProcessSet } from './snapshot.ts';
import { SKUS } from './workload.ts';

export interface SystemUnderTest {
  readonly system: SagaSystem;
  /** The service processes of this run (the orchestrator too in orchestration mode). */
  readonly serviceNames: string[];
  readonly events: SagaEvents;
  readonly collect: () => Promise<void>;
  readonly awaitOutcome: (orderId: string, timeoutMs: number) => Promise<number>;
  /** Started by the caller once the first orders after the start have run (startSamplers). */
  readonly samplers: Samplers;
  readonly processes: ProcessSet;
  readonly startup: Startup;
}

/** Epoch ms of the start's milestones. */
export interface Startup {
  readonly launchedAt: number;
  /** When each service first answered GET /health/ready with 200. */
  readonly readyAt: Record<string, number>;
  readonly allReadyAt: number;
  /** The same moment on CLOCK_MONOTONIC (µs), the clock of the services' CPU profiles. */
  readonly allReadyMonoUs: number;
  /** When the observer had joined its group and every SKU was stocked (the first order may go). */
  readonly setUpAt: number;
}

const READY_POLL_MS = 25;
const READY_TIMEOUT_MS = 90_000;

export async function pollReady(service: RunningService): Promise<number> {
  await waitFor(
    `${service.name} to be ready (log: ${service.logFile})`,
    async () => {
      const { exitCode, signalCode } = service.process;
      if (exitCode !== null || signalCode !== null)
        throw new Error(`${service.name} exited with ${exitCode ?? signalCode}`);
      const response = await fetch(`${service.url}/health/ready`);
      return response.ok ? true : undefined;
    },
    READY_TIMEOUT_MS,
    READY_POLL_MS,
  );
  return epochNow();
}

export async function startSystemUnderTest(
  settings: RunSettings,
  env: Environment,
  generatorPid: number | undefined,
  resources: RunResources,
): Promise<SystemUnderTest> {
  const { partitions, mode } = settings;
  progress(`starting the services (isolation per-run, ${partitions} partitions per topic)`);
  const launchedAt = epochNow();
  const sys = await startSagaSystem('bench', {
    isolation: 'per-run',
    mode,
    partitions,
    env: settings.serviceEnv,
    await: 'launched',
  });
  resources.system = sys;
  progress(`  launched: run ${sys.runId}, logs in .stack/test-logs/${sys.runId}/`);
  const observerJoined = startObserver(sys, partitions, resources);
  const launched = [
    ...SERVICES.map((name) => sys.services[name]),
    ...(sys.orchestrator === undefined ? [] : [sys.orchestrator]),
  ];
  const readyTimes = await Promise.all(launched.map((service) => pollReady(service)));
  const readyAt = Object.fromEntries(
    launched.map((service, i) => [service.name, readyTimes[i] ?? NaN]),
  );
  const allReadyAt = Math.max(...readyTimes);
  const allReadyMonoUs = monotonicUs() - (epochNow() - allReadyAt) * 1_000;
  const observer = await observerJoined;
  // Enough stock that no order is declined for it: the load measures the saga, not shortages.
  await Promise.all(
    SKUS.map(async (sku) => {
      const response = await fetch(`${sys.fulfillmentUrl}/inventory/${sku}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ available: 10_000_000 }),
      });
      if (!response.ok) throw new Error(`stocking ${sku} failed: ${response.status}`);
    }),
  );
  const setUpAt = epochNow();
  progress(
    `  ready ${((allReadyAt - launchedAt) / 1_000).toFixed(1)} s after launch; observer joined and stock set ${(setUpAt - allReadyAt).toFixed(0)} ms later`,
  );

  const runServices = launched;
  const serviceNames = runServices.map((service) => service.name);
  // The saga database has an outbox only when the orchestrator runs (orchestration mode).
  const sagaDatabase = (sys.databases as Record<string, string | undefined>)['saga'];
  const serviceDatabases: Record<string, string> = {
    orders: sys.databases.orders,
    payments: sys.databases.payments,
    fulfillment: sys.databases.fulfillment,
    ...(mode === 'orchestration' && sagaDatabase !== undefined ? { saga: sagaDatabase } : {}),
  };
  const samplers = new Samplers(
    sys.brokers,
    serviceNames
      .filter((name) => name !== 'payment-provider-sim')
      .map((name) => ({ name, groupId: `${sys.topicPrefix}${name}.saga` })),
    serviceDatabases,
  );
  resources.samplers = samplers;

  const processes = await runProcessSet(
    {
      system: sys,
      services: runServices,
      serviceDatabases,
      adminUrl: env.endpoints.postgres.urls.orders,
      kafkaPid: env.kafkaPid,
      redisPid: env.redisPid,
      benchPids: [generatorPid, observer.pid],
    },
    resources,
  );
  return {
    system: sys,
    serviceNames,
    events: observer.events,
    collect: observer.collect,
    awaitOutcome: observer.awaitOutcome,
    samplers,
    processes,
    startup: { launchedAt, readyAt, allReadyAt, allReadyMonoUs, setUpAt },
  };
}
