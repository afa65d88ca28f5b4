// The demo's settings: fixed, documented ports (so the URLs it prints stay the same from run to
// run), each overridable from the environment, and how long an order may take.
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import type { ServiceName } from '../system/saga-system.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

interface PortSetting {
  readonly service: ServiceName;
  readonly variable: string;
  readonly fallback: number;
  /** The service's admin listener (ADMIN_PORT): operator CLIs find it here by default. */
  readonly adminVariable: string;
  readonly adminFallback: number;
}

// 7083 is left free for the saga orchestrator a later issue adds. Admin ports are the public
// ones + 100, so `npm run provider` and the other operator CLIs reach a running demo unasked.
export const PORT_SETTINGS: readonly PortSetting[] = [
  {
    service: 'orders-service',
    variable: 'DEMO_ORDERS_PORT',
    fallback: 7080,
    adminVariable: 'DEMO_ORDERS_ADMIN_PORT',
    adminFallback: 7180,
  },
  {
    service: 'payments-adapter',
    variable: 'DEMO_PAYMENTS_PORT',
    fallback: 7081,
    adminVariable: 'DEMO_PAYMENTS_ADMIN_PORT',
    adminFallback: 7181,
  },
  {
    service: 'fulfillment-service',
    variable: 'DEMO_FULFILLMENT_PORT',
    fallback: 7082,
    adminVariable: 'DEMO_FULFILLMENT_ADMIN_PORT',
    adminFallback: 7182,
  },
  {
    service: 'payment-provider-sim',
    variable: 'DEMO_PROVIDER_PORT',
    fallback: 7084,
    adminVariable: 'DEMO_PROVIDER_ADMIN_PORT',
    adminFallback: 7184,
  },
];

// A saga here takes well under a second; 30 s leaves room for a cold JVM broker and a slow CI
// machine, and is still short enough that a stuck order fails the demo promptly.
const DEFAULT_DEADLINE_MS = 30_000;

export interface DemoConfig {
  readonly ports: Record<ServiceName, number>;
  /** DEMO_SAGA_MODE: choreography (default) or orchestration (adds the saga-orchestrator). */
  readonly mode: 'choreography' | 'orchestration';
  readonly adminPorts: Record<ServiceName, number>;
  /** Per order, from its POST until it must be in its expected final state. */
  readonly deadlineMs: number;
  /** One log file per service, emptied at the start of each run. */
  readonly logDir: string;
  /** Epoch ms when `npm run demo` started (before install, build and stack), for the total time. */
  readonly startedAtMs: number;
  /** Epoch ms when the shell finished install, build and stack up. */
  readonly setupDoneAtMs: number | undefined;
}

export class DemoError extends Error {
  override readonly name = 'DemoError';
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new DemoError(`${variable} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function epochMs(env: Env, variable: string): number | undefined {
  const value = Number(env[variable]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

export function loadDemoConfig(env: Env): DemoConfig {
  const ports = {} as Record<ServiceName, number>;
  const adminPorts = {} as Record<ServiceName, number>;
  for (const setting of PORT_SETTINGS) {
    ports[setting.service] = integer(env, setting.variable, setting.fallback, 1, 65_535);
    adminPorts[setting.service] = adminPortOf(setting.service, env);
  }
  const taken = new Map<number, string>();
  for (const [port, owner] of PORT_SETTINGS.flatMap((s) => [
    [ports[s.service], s.service] as const,
    [adminPorts[s.service], `${s.service} (admin)`] as const,
  ])) {
    const other = taken.get(port);
    if (other !== undefined)
      throw new DemoError(`${owner} and ${other} are both set to port ${port}`);
    taken.set(port, owner);
  }
  const mode = env['DEMO_SAGA_MODE']?.trim() || 'choreography';
  if (mode !== 'choreography' && mode !== 'orchestration')
    throw new DemoError(`DEMO_SAGA_MODE must be choreography or orchestration, got "${mode}"`);
  return {
    ports,
    mode,
    adminPorts,
    deadlineMs: integer(env, 'DEMO_DEADLINE_MS', DEFAULT_DEADLINE_MS, 1_000, 600_000),
    logDir: join(REPO_ROOT, '.stack', 'demo', 'logs'),
    startedAtMs: epochMs(env, 'DEMO_STARTED_AT_MS') ?? Date.now(),
    setupDoneAtMs: epochMs(env, 'DEMO_SETUP_DONE_AT_MS'),
  };
}

/** The demo's admin port of a service: where operator CLIs look when no URL is given. */
export function adminPortOf(service: ServiceName, env: Env): number {
  const setting = PORT_SETTINGS.find((s) => s.service === service);
  if (setting === undefined) throw new DemoError(`${service} is not part of the demo`);
  return integer(env, setting.adminVariable, setting.adminFallback, 1, 65_535);
}

/** Resolves if a service could listen on `port` (services bind 0.0.0.0), else names the error. */
function probePort(port: number): Promise<string | undefined> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () =>
      server.close(() => done(undefined)),
    );
  });
}

/** Checked before anything starts, so a busy port is one clear message rather than a crash log. */
export async function assertPortsFree(
  config: Pick<DemoConfig, 'ports' | 'adminPorts'>,
): Promise<void> {
  const busy: string[] = [];
  for (const setting of PORT_SETTINGS) {
    for (const [port, owner, variable] of [
      [config.ports[setting.service], setting.service, setting.variable],
      [config.adminPorts[setting.service], `${setting.service} admin`, setting.adminVariable],
    ] as const) {
      const problem = await probePort(port);
      if (problem === undefined) continue;
      const why = problem === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${problem})`;
      busy.push(`  port ${port} (${owner}) ${why}: free it or set ${variable}`);
    }
  }
  if (busy.length > 0)
    throw new DemoError(
      `cannot start the services:\n${busy.join('\n')}\n` +
        '  (a demo still running in another terminal? Ctrl-C there stops its services)',
    );
}
