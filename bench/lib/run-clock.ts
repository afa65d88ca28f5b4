// The run's clock and time budget. Progress lines count from the start and the load phases stop
// being scheduled once the budget is spent, so both need the same origin: the moment the entry
// point starts, after its imports have loaded (loading is not part of the run).
import { epochNow } from './http-client.ts';

/** The whole run must end within 10 minutes; load phases stop being scheduled past this. */
export const LOAD_BUDGET_MS = 8 * 60_000;
/** The longest a drain waits for a phase's sagas to finish after its load. */
export const DRAIN_TIMEOUT_MS = 60_000;
/** A drain that sees no saga finish for this long has stalled. */
export const STALL_MS = 10_000;

let started = Number.NaN;

/** Called once by the entry point; until then every elapsed time is NaN, which shows. */
export function startClock(): void {
  started = epochNow();
}

/** When the run started, epoch milliseconds. */
export function runStartedAt(): number {
  return started;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
