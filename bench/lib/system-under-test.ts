// The saga system as the benchmark runs it: the services started with isolation per-run (own
// databases, topics and consumer groups, so that other users of the shared stack neither see
// nor disturb the load), stock for every SKU, and the probes that watch it: the observer on the
// topics, the lag and outbox samplers, and the set of processes whose CPU is counted.
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
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
  readonly samplers: Samplers;
  readonly processes: ProcessSet;
}

export async function startSystemUnderTest(
  settings: RunSettings,
  env: Environment,
  generatorPid: number | undefined,
  resources: RunResources,
): Promise<SystemUnderTest> {
  const { partitions, mode } = settings;
  progress(`starting the services (isolation per-run, ${partitions} partitions per topic)`);
  const sys = await startSagaSystem('bench', {
    isolation: 'per-run',
    mode,
    partitions,
    env: settings.serviceEnv,
  });
  resources.system = sys;
  progress(`  up: run ${sys.runId}, logs in .stack/test-logs/${sys.runId}/`);
  // Enough stock that no order is declined for it: the load measures the saga, not shortages.
  for (const sku of SKUS) {
    const response = await fetch(`${sys.fulfillmentUrl}/inventory/${sku}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ available: 10_000_000 }),
    });
    if (!response.ok) throw new Error(`stocking ${sku} failed: ${response.status}`);
  }

  const observer = await startObserver(sys, partitions, resources);

  const runServices = [
    ...SERVICES.map((name) => sys.services[name]),
    ...(sys.orchestrator === undefined ? [] : [sys.orchestrator]),
  ];
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
  await samplers.start();

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
    samplers,
    processes,
  };
}
