// The demo's services: the four (five in orchestration mode) processes started on the ports the
// README shows, against the stack's own databases, topics and consumer groups.
import { rmSync } from 'node:fs';
import { resolveStackEndpoints } from '../stack/endpoints.ts';
import { SHARED_CONSUMER_GROUPS, assertGroupsUnused } from '../system/consumer-groups.ts';
import { startSagaSystem, type SagaSystem } from '../system/saga-system.ts';
import { DemoError, PORT_SETTINGS, assertPortsFree, type DemoConfig } from './config.ts';
import type { DemoLifecycle } from './lifecycle.ts';
import {
  PROGRESS_EVERY_MS,
  columns,
  duration,
  heading,
  ok,
  paint,
  shownPath,
  since,
  withProgress,
} from './terminal.ts';

// Fixed like the participants' ports (PORT_SETTINGS), so the URL printed stays the same.
const ORCHESTRATOR_PORT = 7083;

/** The services join the stack's own consumer groups: nobody else may be in them. */
async function assertSharedGroupsUnused(): Promise<void> {
  let announced = -PROGRESS_EVERY_MS;
  try {
    await assertGroupsUnused(
      resolveStackEndpoints(process.env).kafka.brokers,
      SHARED_CONSUMER_GROUPS,
      (members, waitedMs) => {
        if (waitedMs - announced < PROGRESS_EVERY_MS) return;
        announced = waitedMs;
        const groups = [...new Set(members.map((m) => m.group))].join(', ');
        console.log(
          paint.dim(`  … waiting for an earlier member to leave ${groups} ${duration(waitedMs)}`),
        );
      },
    );
  } catch (error) {
    throw new DemoError(error instanceof Error ? error.message : String(error));
  }
}

/** Starts the services, prints where each one is, and hands them to `lifecycle` to watch. */
export async function startServices(
  config: DemoConfig,
  lifecycle: DemoLifecycle,
): Promise<SagaSystem> {
  heading('Services');
  await assertPortsFree(config);
  await assertSharedGroupsUnused();
  rmSync(config.logDir, { recursive: true, force: true });
  const started = Date.now();
  const system = await withProgress(
    'starting services',
    startSagaSystem('demo', {
      mode: config.mode,
      isolation: 'shared',
      // The orchestrator (orchestration mode only) at the port the README's service table shows.
      ports: { ...config.ports, 'saga-orchestrator': ORCHESTRATOR_PORT },
      adminPorts: { ...config.adminPorts, 'saga-orchestrator': ORCHESTRATOR_PORT + 100 },
      logDir: config.logDir,
      // A quick sweeper, so the timed-out order is given up close to its 2 s deadline.
      env: {
        'orders-service': { SAGA_SWEEP_INTERVAL_MS: '250' },
        'saga-orchestrator': { SAGA_SWEEP_INTERVAL_MS: '250' },
      },
    }),
  );
  lifecycle.watch(system);
  const processes = [
    ...PORT_SETTINGS.map(({ service }) => [service, system.services[service]] as const),
    ...(system.orchestrator === undefined
      ? []
      : [['saga-orchestrator', system.orchestrator] as const]),
  ];
  const rows = processes.map(([service, s]) => [
    service,
    s.url,
    paint.dim(`admin ${s.adminUrl}`),
    paint.dim(`pid ${s.process.pid ?? '?'}`),
    shownPath(s.logFile),
  ]);
  for (const line of columns(rows)) console.log(`  ${line}`);
  console.log(
    `  ${ok(`ready in ${since(started)}`)} ${paint.dim('(separate Node processes, the stack’s own databases and topics)')}`,
  );
  return system;
}

export async function stopServices(system: SagaSystem): Promise<void> {
  const started = Date.now();
  await system.stop();
  console.log(
    `${ok(`services stopped in ${since(started)}`)} ${paint.dim('(the stack stays up: `npm run stack -- down` stops it)')}`,
  );
}
