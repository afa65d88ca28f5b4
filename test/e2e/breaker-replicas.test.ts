import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLedger, ledgerProblems, takeLedger } from '../../scripts/faults/ledger.ts';
import { steadyLoad } from '../../scripts/faults/steady-load.ts';
import { startTcpProxy, type TcpProxy } from '../../scripts/faults/tcp-proxy.ts';
import { resolveStackEndpoints } from '../../scripts/stack/endpoints.ts';
import { http, setStock, waitForAllTerminal } from '../../scripts/system/orders-api.ts';
import {
  startSagaSystem,
  type RunningService,
  type SagaSystem,
} from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { metricSum } from '../support/service-metrics.ts';

// Two payments-adapter replicas share one circuit breaker through Redis. Replica B reaches the
// provider through a proxy this test cuts, so only B's calls fail and only B trips the breaker;
// every call the simulator's ledger records is A's. Then Redis itself goes away (a proxy in
// front of it, cut): each replica goes on with a breaker of its own, and counts the errors.

const SKU = 'SKU-BREAKER-REPLICAS';
const RESET_TIMEOUT_MS = 5_000; // BREAKER_RESET_TIMEOUT_MS's default
const redisUrl = resolveStackEndpoints(process.env).redis.url;
let system: SagaSystem;
let redis: TcpProxy;
let providerForB: TcpProxy;
let replicaB: RunningService;

beforeAll(async () => {
  const { hostname, port } = new URL(redisUrl);
  redis = await startTcpProxy(hostname, Number(port));
  system = await startSagaSystem('breaker_replicas', {
    env: { 'payments-adapter': { REDIS_URL: redis.route(redisUrl) } },
  });
  await setStock(system.fulfillmentUrl, SKU, 100_000);
  const provider = new URL(system.providerUrl);
  providerForB = await startTcpProxy(provider.hostname, Number(provider.port));
  replicaB = await system.startReplica('payments-adapter', {
    PAYMENT_PROVIDER_URL: providerForB.route(system.providerUrl),
  });
});

afterAll(async () => {
  await system?.stop();
  await providerForB?.stop();
  await redis?.stop();
});

/** The time of a replica's first log line with this message and origin (epoch ms). */
function loggedAt(logFile: string, msg: string, origin?: 'local' | 'remote'): number | undefined {
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes(`"msg":"${msg}"`)) continue;
    if (origin !== undefined && !line.includes(`"origin":"${origin}"`)) continue;
    const time = /"time":"([^"]+)"/.exec(line)?.[1];
    if (time !== undefined) return Date.parse(time);
  }
  return undefined;
}

async function settleAll(ids: readonly string[]): Promise<number> {
  const started = performance.now();
  await waitForAllTerminal(system.ordersUrl, ids, 60_000);
  return performance.now() - started;
}

describe('two payments-adapter replicas, one breaker', () => {
  it('a trip on one replica stops the calls of both within a second', async () => {
    const replicaA = system.services['payments-adapter'];
    await providerForB.cut();
    const running = steadyLoad({
      ordersUrl: system.ordersUrl,
      ratePerSecond: 10,
      durationMs: 6_000,
      sku: SKU,
      customerPrefix: 'replicas',
    });
    const tripped = await waitFor(
      'replica B to trip the breaker',
      () => loggedAt(replicaB.logFile, 'breaker.opened', 'local'),
      30_000,
      100,
    );
    const followed = await waitFor('replica A to learn of it', () =>
      loggedAt(replicaA.logFile, 'breaker.opened', 'remote'),
    );
    // Calls A made after the trip and before the first half-open probe could go out. The
    // simulator records a call when it answers it: a call already in flight lands a bit later.
    const { body: ledger } = await http<{ calls: Array<{ at: string }> }>(
      `${system.providerAdminUrl}/admin/provider/ledger?since=${encodeURIComponent(new Date(tripped).toISOString())}`,
    );
    const beforeProbe = ledger.calls
      .map((call) => Date.parse(call.at))
      .filter((at) => at < tripped + RESET_TIMEOUT_MS - 100);
    const lastCallGap = beforeProbe.length === 0 ? 0 : Math.max(...beforeProbe) - tripped;
    console.log(
      `replica B tripped at ${new Date(tripped).toISOString()}; replica A opened ${followed - tripped} ms later; ` +
        `A's calls after the trip: ${beforeProbe.length}, the last ${lastCallGap} ms after it`,
    );
    expect(followed - tripped).toBeLessThan(1_000);
    expect(lastCallGap).toBeLessThan(1_000);
    expect(await metricSum(replicaA.url, 'circuit_breaker_state')).toBe(2);

    await providerForB.restore();
    const load = await running;
    const recoveryMs = await settleAll(load.accepted);
    const result = await takeLedger(system, 'two replicas, one trips', load.accepted, recoveryMs, [
      `replica A followed replica B's trip after ${followed - tripped} ms`,
    ]);
    console.log(formatLedger(result));
    expect(ledgerProblems(result)).toEqual([]);
  });

  it('without Redis each replica keeps working with a breaker of its own, and counts the errors', async () => {
    const replicaA = system.services['payments-adapter'];
    const errorsBefore = await metricSum(replicaA.url, 'circuit_breaker_shared_state_errors_total');
    await redis.cut();
    await waitFor(
      'the replicas to notice Redis is gone',
      async () =>
        (await metricSum(replicaA.url, 'circuit_breaker_shared_state_errors_total')) > errorsBefore
          ? true
          : undefined,
      10_000,
      100,
    );
    const load = await steadyLoad({
      ordersUrl: system.ordersUrl,
      ratePerSecond: 10,
      durationMs: 3_000,
      sku: SKU,
      customerPrefix: 'no-redis',
    });
    const recoveryMs = await settleAll(load.accepted);
    const errors =
      (await metricSum(replicaA.url, 'circuit_breaker_shared_state_errors_total')) - errorsBefore;
    const result = await takeLedger(system, 'Redis unreachable', load.accepted, recoveryMs, [
      `circuit_breaker_shared_state_errors_total on replica A: +${errors}`,
    ]);
    console.log(formatLedger(result));
    expect(ledgerProblems(result)).toEqual([]);
    expect(result.byState['FULFILLED']).toBe(load.accepted.length);
    expect(readFileSync(replicaA.logFile, 'utf8')).toContain(
      '"msg":"breaker.shared_state_unavailable"',
    );

    await redis.restore();
    await waitFor('replica A to rejoin the shared breaker', async () => {
      const { body } = await http<string>(`${replicaA.url}/metrics`);
      const restored =
        readFileSync(replicaA.logFile, 'utf8').split('breaker.shared_state_restored').length - 1;
      return restored >= 2 && body.includes('circuit_breaker_state') ? true : undefined;
    });
  });
});
