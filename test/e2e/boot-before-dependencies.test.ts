import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../../scripts/faults/tcp-proxy.ts';
import {
  http,
  orderBody,
  postOrder,
  setStock,
  waitForTerminal,
} from '../../scripts/system/orders-api.ts';
import {
  startSagaSystem,
  type SagaSystem,
  type ServiceName,
} from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { resolveStackEndpoints } from '../../scripts/stack/endpoints.ts';

// What `helm install` does on a fresh cluster: the pods start before Strimzi and CloudNativePG
// have made Kafka and PostgreSQL ready. Here every service reaches both through a proxy that
// refuses connections until the test opens it, so the dependencies "appear" at a moment the test
// chooses, while the shared stack keeps serving the other suites.
let database: TcpProxy;
let broker: TcpProxy;
let system: SagaSystem;
const SKU = 'SKU-BOOT-EARLY';
/** Each kind of service that owns a database and consumes from Kafka. */
const PARTICIPANTS: ServiceName[] = ['orders-service', 'payments-adapter', 'fulfillment-service'];

interface BootReadiness {
  status: string;
  booting?: boolean;
  checks: Record<string, { status: string; error?: string }>;
}

function hostAndPort(address: string): [string, number] {
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  return [host, Number(port)];
}

function logLines(name: ServiceName): Array<Record<string, unknown>> {
  return readFileSync(system.services[name].logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function attemptsLogged(name: ServiceName, dependency: string): number {
  return logLines(name).filter(
    (line) => line['msg'] === 'boot.dependency_unavailable' && line['dependency'] === dependency,
  ).length;
}

function stillRunning(name: ServiceName): boolean {
  const { exitCode, signalCode } = system.services[name].process;
  return exitCode === null && signalCode === null;
}

async function readiness(name: ServiceName): Promise<{ status: number; body: BootReadiness }> {
  return http<BootReadiness>(`${system.services[name].url}/health/ready`);
}

beforeAll(async () => {
  const endpoints = resolveStackEndpoints(process.env);
  database = await startTcpProxy('127.0.0.1', endpoints.ports.pg);
  broker = await startTcpProxy(...hostAndPort(endpoints.kafka.brokers[0] ?? ''));
  await database.cut();
  await broker.cut();
  system = await startSagaSystem('boot-early', {
    routeDatabase: (url) => database.route(url),
    routeBrokers: () => [`127.0.0.1:${broker.port}`],
    await: 'launched',
  });
});

afterAll(async () => {
  await system?.stop();
  await database?.stop();
  await broker?.stop();
});

describe('a service started before its database and broker', () => {
  it('stays alive and unready while it retries, then becomes ready without exiting', async () => {
    // Waiting: liveness 200 on every participant, readiness 503 naming both dependencies.
    await waitFor(
      'every participant to log two attempts at each dependency',
      () =>
        PARTICIPANTS.every(
          (name) => attemptsLogged(name, 'database') >= 2 && attemptsLogged(name, 'kafka') >= 2,
        ) || undefined,
      30_000,
      250,
    );
    for (const name of PARTICIPANTS) {
      expect(stillRunning(name), `${name} is running`).toBe(true);
      const live = await http(`${system.services[name].url}/health/live`);
      expect(live.status).toBe(200);
      const ready = await readiness(name);
      expect(ready.status).toBe(503);
      expect(ready.body.booting).toBe(true);
      expect(ready.body.checks['database']?.status).toBe('failed');
      expect(ready.body.checks['database']?.error).toMatch(/ECONNREFUSED/);
      expect(ready.body.checks['kafka']?.status).toBe('failed');
    }
    // The API says it is starting, as problem+json with Retry-After; nothing is accepted.
    const early = await postOrder(system.ordersUrl, orderBody({ customerId: 'boot-early' }));
    expect(early.status).toBe(503);
    expect((early.body as unknown as { code: string }).code).toBe('SERVICE.STARTING');
    expect(early.headers.get('retry-after')).toBe('2');
    // One line per attempt, with the backoff between them: a few seconds of waiting is a few
    // lines, not the drivers' flood of connection errors.
    const before = attemptsLogged('orders-service', 'kafka');
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const during = attemptsLogged('orders-service', 'kafka') - before;
    expect(during).toBeGreaterThanOrEqual(1);
    expect(during).toBeLessThanOrEqual(6);
    expect(
      logLines('orders-service').filter((line) => String(line['msg']).startsWith('kafka.')),
    ).toEqual([]);

    // The database appears first: it is reached, the broker is still awaited.
    await database.restore();
    for (const name of PARTICIPANTS)
      await waitFor(
        `${name} to report its database reached`,
        async () => {
          const ready = await readiness(name);
          return ready.body.checks['database']?.status === 'ok' ? ready : undefined;
        },
        30_000,
        100,
      ).then((ready) => {
        expect(ready.status).toBe(503);
        expect(ready.body.checks['kafka']?.status).toBe('failed');
        if (name === 'orders-service')
          console.log('readiness while the broker is missing:', JSON.stringify(ready.body));
      });

    // Then the broker: every participant becomes ready within seconds, in the same process.
    await broker.restore();
    const opened = performance.now();
    const readyAfterMs: Record<string, number> = {};
    await Promise.all(
      PARTICIPANTS.map(async (name) => {
        await system.waitReady(name, 60_000);
        readyAfterMs[name] = Math.round(performance.now() - opened);
      }),
    );
    console.log('ready after the broker appeared (ms):', readyAfterMs);
    for (const name of PARTICIPANTS) {
      expect(stillRunning(name), `${name} never exited`).toBe(true);
      const lines = logLines(name);
      expect(lines.filter((line) => line['msg'] === 'service.listening')).toHaveLength(1);
      expect(lines.some((line) => line['msg'] === 'boot.dependency_reached')).toBe(true);
    }

    // And it serves: an order placed now completes its saga.
    await setStock(system.fulfillmentUrl, SKU, 10);
    const created = await postOrder(
      system.ordersUrl,
      orderBody({ customerId: 'boot-late', items: [{ sku: SKU, quantity: 1, unitPrice: 900 }] }),
    );
    expect(created.status).toBe(201);
    const final = await waitForTerminal(system.ordersUrl, created.body.id, 60_000);
    expect(final.status).toBe('FULFILLED');
  });

  it('still exits at once on invalid configuration, naming the variable', async () => {
    await system.kill('orders-service');
    await expect(
      system.start('orders-service', { CONSUMER_RETRY_ATTEMPTS: 'many' }),
    ).rejects.toThrow(/exited with 78/);
    expect(readFileSync(system.services['orders-service'].logFile, 'utf8')).toMatch(
      /CONSUMER_RETRY_ATTEMPTS/,
    );
  });
});
