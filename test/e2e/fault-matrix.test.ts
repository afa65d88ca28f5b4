import { beforeAll, describe, expect, it } from 'vitest';
import {
  formatLedgers,
  formatMatrix,
  runFaultMatrix,
  scenariosFor,
  type ScenarioResult,
} from '../../scripts/faults/matrix.ts';
import type { SagaMode } from '../../scripts/faults/scenarios.ts';

// The fault matrix of `npm run faults`, as a test: per saga mode one system (services as separate
// processes, a private broker, a private Redis, a database proxy), every scenario one after
// another under steady load, each ending with its ledger. The load is short (12 orders/s for 4 s
// around each fault) to keep the whole matrix within a few minutes of CI.
const MODES: readonly SagaMode[] = ['choreography', 'orchestration'];
let results: ScenarioResult[] = [];

beforeAll(async () => {
  const started = performance.now();
  results = await runFaultMatrix({
    modes: MODES,
    ratePerSecond: 12,
    loadMs: 4_000,
    faultAtMs: 1_000,
    progress: (line) =>
      console.log(`${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s  ${line}`),
  });
  console.log(`${formatLedgers(results)}\n\n${formatMatrix(results)}`);
}, 900_000);

describe.each(MODES)('the fault matrix in %s', (mode) => {
  it('runs every scenario of the mode', () => {
    expect(results.filter((r) => r.mode === mode).map((r) => r.scenario)).toEqual(
      scenariosFor(mode).map((s) => s.name),
    );
  });

  it.each(scenariosFor(mode).map((s) => s.name))(
    '%s: every accepted order terminal, each effect once',
    (name) => {
      const result = results.find((r) => r.mode === mode && r.scenario === name);
      expect(result, `${name} ran`).toBeDefined();
      if (result === undefined) return;
      const { ledger } = result;
      // The ledger's guarantees and the scenario's own checks (replays, duplicates, poison).
      expect(result.problems).toEqual([]);
      expect(ledger.accepted).toBeGreaterThan(0);
      // accepted = terminal, 0 stuck: stock is ample and the card approves, so every order is
      // FULFILLED, with exactly one charge, no refund and one reservation.
      expect(ledger.stuck).toEqual([]);
      expect(ledger.byState).toEqual({ FULFILLED: ledger.accepted });
      expect(ledger.chargesPerOrder).toEqual({ 1: ledger.accepted });
      expect(ledger.refundsPerOrder).toEqual({ 0: ledger.accepted });
      expect(ledger.reservationsPerOrder).toEqual({ 1: ledger.accepted });
      for (const [slot, n] of Object.entries(ledger.maxEventsPerOrderType))
        expect(n, `distinct ${slot} events of one order`).toBe(1);
      expect(ledger.recoveryMs).toBeDefined();
    },
  );
});
