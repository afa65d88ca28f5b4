import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLedger, ledgerProblems, takeLedger } from '../../scripts/faults/ledger.ts';
import { steadyLoad } from '../../scripts/faults/steady-load.ts';
import { startTcpProxy, type TcpProxy } from '../../scripts/faults/tcp-proxy.ts';
import { TERMINAL, http, setStock, type OrderView } from '../../scripts/system/orders-api.ts';
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { resolveStackEndpoints } from '../../scripts/stack/endpoints.ts';

// Every service reaches PostgreSQL through a proxy this suite can cut: the database becomes
// unreachable for this system only, while the shared stack keeps serving the other suites.
let proxy: TcpProxy;
let system: SagaSystem;
const SKU = 'SKU-DB-OUTAGE';
// Longer than the consumers' whole retry budget (8 attempts, ~15 s) and than a typical failover:
// the 30 s of issue 8. FAULT_DB_OUTAGE_MS shortens it for a quick local run.
const OUTAGE_MS = Number(process.env['FAULT_DB_OUTAGE_MS'] ?? 30_000);

beforeAll(async () => {
  const pg = resolveStackEndpoints(process.env).ports.pg;
  proxy = await startTcpProxy('127.0.0.1', pg);
  system = await startSagaSystem('db-outage', { routeDatabase: (url) => proxy.route(url) });
  await setStock(system.fulfillmentUrl, SKU, 10_000);
});

afterAll(async () => {
  await proxy?.restore();
  await system?.stop();
  await proxy?.stop();
});

describe('PostgreSQL unreachable under load', () => {
  it('waits instead of dead-lettering, answers POSTs 503 with Retry-After, and loses or doubles nothing', async () => {
    let restoredAt = 0;
    const fault = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await proxy.restore();
      restoredAt = performance.now();
    })();
    const load = await steadyLoad({
      ordersUrl: system.ordersUrl,
      ratePerSecond: 15,
      durationMs: OUTAGE_MS + 5_000,
      sku: SKU,
      customerPrefix: `db-outage-${system.runId}`,
    });
    await fault;
    const settled = await waitFor(
      'every accepted order to settle',
      async () => {
        for (const id of load.accepted) {
          const { body } = await http<OrderView>(`${system.ordersUrl}/orders/${id}`);
          if (!TERMINAL.includes(body.status)) return undefined;
        }
        return performance.now();
      },
      120_000,
      250,
    );
    const ledger = await takeLedger(
      system,
      `PostgreSQL unreachable for ${OUTAGE_MS / 1000} s at 15 orders/s`,
      load.accepted,
      Math.max(0, settled - restoredAt),
      [`refused: ${JSON.stringify(load.refused)}`, `unanswered: ${load.unanswered}`],
    );
    console.log(formatLedger(ledger));
    expect(ledgerProblems(ledger)).toEqual([]);
    expect(ledger.byState).toEqual({ FULFILLED: load.accepted.length });
    expect(load.refused['503 SERVICE.DATABASE_UNAVAILABLE'] ?? 0).toBeGreaterThan(0);
    expect(Object.keys(load.refused)).toEqual(['503 SERVICE.DATABASE_UNAVAILABLE']);
    expect(load.refusedWithoutRetryAfter).toBe(0);
    expect(load.unanswered).toBe(0);
  });
});
